"""Routes the cross-tenant route matrix (``test_route_matrix``) does not call, with the reason.

One file for every add-on: a new route is either exercised by the matrix (its model has a
factory in ``<addon>/testing_routes.py``) or listed here with why it cannot be; an
unlisted route the matrix cannot exercise fails the test, and so does a stale entry.
Keys are URL patterns as printed by the test.
"""

ALLOWLIST: dict[str, str] = {
    "api/v1/schema/": "The OpenAPI document: no tenant data; its content is checked by test_schema_clean.",
    "api/v1/docs/": "Swagger UI page: static, no tenant data.",
    "admin/ohms/jobs/<slug:name>/run/": "No object of an organization in the path; operator-only, tested in test_jobs.",
    "^admin/(?:api/main/)?(?P<library>documents|images)/(?P<rest>.*)$":
        "Wagtail's own document/image libraries, closed for everyone (ohms_core.library); no tenant object in the path.",
}
