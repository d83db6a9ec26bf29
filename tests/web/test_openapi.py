import re


def test_every_api_route_is_in_the_openapi_document_with_a_summary(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.endpoint == "core_api.openapi":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method.lower(), path) in documented, f"{method} {path} missing from OpenAPI"
            assert doc["paths"][path][method.lower()]["summary"], f"{method} {path} has no summary (@doc)"


def test_core_contract_routes_are_present(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/auth/register"] and "post" in paths["/api/v1/auth/token"]
    assert "get" in paths["/api/v1/me"]
