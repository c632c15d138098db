"""POST /api/v1/directives/{id}/draft-tasks/: monitors only, documented in the schema."""

from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

TEXT = (
    "Bộ Thông tin và Truyền thông chủ trì, phối hợp với các cơ quan liên quan khẩn trương hoàn thiện "
    "Luật Công nghiệp công nghệ số, trình Quốc hội tại Kỳ họp thứ 9 vào tháng 5/2025."
)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_monitor_gets_the_drafts(people):
    response = client_for(people.monitor).post(
        f"/api/v1/directives/{people.directive.pk}/draft-tasks/", {"text": TEXT}, format="json"
    )
    assert response.status_code == 200, response.content
    (draft,) = response.json()
    assert draft["lead_agency"] == "MIC"
    assert draft["coordinating_agencies"] == []
    assert draft["deadline"] == "2025-05-31"
    assert draft["deadline_phrase"] == "tại Kỳ họp thứ 9 vào tháng 5/2025"
    assert draft["expected_result"] == "Luật Công nghiệp công nghệ số"
    assert draft["missing_clears"] == ["person", "responsibility"]
    assert draft["source_sentence"] == TEXT


def test_refusals(people):
    url = f"/api/v1/directives/{people.directive.pk}/draft-tasks/"
    assert client_for(people.focal).post(url, {"text": TEXT}, format="json").status_code == 403
    assert APIClient().post(url, {"text": TEXT}, format="json").status_code in (401, 403)
    assert client_for(people.monitor).post("/api/v1/directives/999999/draft-tasks/", {}).status_code == 404
    # no text given and none stored
    response = client_for(people.monitor).post(url, {"text": ""}, format="json")
    assert response.status_code == 400
    assert "text" in response.json()


def test_the_schema_documents_the_endpoint(people):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/directives/{id}/draft-tasks/"]["post"]
    assert operation["operationId"] == "directive_draft_tasks"
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("DraftTasksInputRequest")
    item = operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"]
    properties = schema["components"]["schemas"][item.rsplit("/", 1)[1]]["properties"]
    assert {"source_sentence", "lead_agency", "coordinating_agencies", "deadline", "missing_clears"} <= set(
        properties
    )
