"""The 工作台 is made of panels that each app contributes for the roles it serves.

An app registers in its AppConfig.ready(): `register_panel("issues/partials/home.html",
issues_home_context)`; the function takes the user and returns a context dict, or None when
the panel has nothing for that user.
"""

_panels = []


def register_panel(template_name, context_function):
    if (template_name, context_function) not in _panels:
        _panels.append((template_name, context_function))


def panels_for(user):
    result = []
    for template_name, context_function in _panels:
        context = context_function(user)
        if context is not None:
            result.append((template_name, context))
    return result
