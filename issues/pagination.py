"""Pages of long lists read in two steps inside one query: the ids of the page first (from the
list's index alone), then the rows with everything they show for those ids only.

A plain `LIMIT 50 OFFSET 950` over the list query joins the category, point and unit and
computes the relapse count for all 1,000 rows before it drops 950 of them; here the joins and
subqueries run for the 50 rows shown, whatever the page.
"""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from accounts.scoping import Pagination


def late_rows(queryset, bottom, top):
    """The rows bottom..top of `queryset`, joined and annotated only for those rows.

    An ordering that may tie (`?ordering=deadline`) gets the id as its last key, so that the
    pages never overlap nor skip a row."""
    order = list(queryset.query.order_by or queryset.model._meta.ordering)
    if not {"pk", "-pk", "id", "-id"} & set(map(str, order)):
        queryset = queryset.order_by(*order, "-pk")
    ids = queryset.values("pk")[bottom:top]
    return queryset.filter(pk__in=ids)


class LateRowPaginator(Paginator):
    @cached_property
    def count(self):
        """The row count, kept per scope and filter until the issues change (counts.py)."""
        from .counts import cached_count
        from .models import Issue

        if isinstance(self.object_list, QuerySet) and self.object_list.model is Issue:
            return cached_count(self.object_list)
        return super().count

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return Page(late_rows(self.object_list, bottom, top), number, self)


class LateRowPagination(Pagination):
    django_paginator_class = LateRowPaginator

