"""A logged-in user's pages and API answers are never cached (personal and draft data); the
public's are left to the usual rules."""


def test_a_logged_in_page_and_api_answer_are_private_and_not_stored(client, cast):
    client.force_login(cast.officer_74)
    for url in ("/", "/api/v1/assessments/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_token_answer_is_not_stored(client, cast):
    from knox.models import AuthToken

    _token, key = AuthToken.objects.create(user=cast.officer_74)
    response = client.get("/api/v1/assessments/", headers={"authorization": f"Token {key}"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_publics_answers_are_not_marked(client, db):
    response = client.get("/api/v1/provinces/")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
