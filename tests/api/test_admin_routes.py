"""Every `/api/v1/admin` route, found by walking the app's URL map."""

ADMIN_PREFIX = "/api/v1/admin/"


def admin_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith(ADMIN_PREFIX)]


def test_admin_routes_live_in_admin_routes_modules(app):
    """One rule for finding them: a domain's admin routes are in its `admin_routes.py`."""
    rules = admin_rules(app)
    assert len(rules) > 20
    misplaced = [
        (rule.rule, app.view_functions[rule.endpoint].__module__)
        for rule in rules
        if not app.view_functions[rule.endpoint].__module__.endswith(".admin_routes")
    ]
    assert not misplaced, misplaced
