"""Database queries per request, as a response header, for load tests (issue 13 "Load test").

``QueryCountMiddleware`` counts the statements every database connection executes while a
request is served (``connection.execute_wrapper``: works with ``DEBUG`` off, costs one Python
call per query) and sets ``X-OHMS-Queries`` on the response. Enabled only when the setting
``OHMS_QUERY_COUNT_HEADER`` is true (environment ``OHMS_QUERY_COUNT_HEADER=1``, which
``scripts/loadtest.sh`` sets for the server it starts): never in a normal deployment, where the
count would tell a client something about the server's work for nothing.
"""
from __future__ import annotations

from contextlib import ExitStack

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections

HEADER = "X-OHMS-Queries"


class QueryCountMiddleware:
    def __init__(self, get_response):
        if not getattr(settings, "OHMS_QUERY_COUNT_HEADER", False):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with ExitStack() as stack:
            for alias in connections:
                stack.enter_context(connections[alias].execute_wrapper(counter))
            response = self.get_response(request)
        response[HEADER] = str(count)
        return response
