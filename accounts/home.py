"""The 工作台 is made of panels that each app contributes for the roles it serves.

An app registers in its AppConfig.ready(): `register_panel("issues/partials/home.html",
issues_home_context)`; the function takes the user and returns a context dict, or None when
the panel has nothing for that user. Panels show in registration order (the apps' order),
those given a higher `order` after the others.
"""

_panels = []


def register_panel(template_name, context_function, order=0):
    if not any(p[:2] == (template_name, context_function) for p in _panels):
        _panels.append((template_name, context_function, order))
        _panels.sort(key=lambda p: p[2])  # stable: equal orders keep registration order


def panels_for(user):
    result = []
    for template_name, context_function, _order in _panels:
        context = context_function(user)
        if context is not None:
            result.append((template_name, context))
    return result
