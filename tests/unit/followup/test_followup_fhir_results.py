"""The FHIR R4 export carries the patient's results too: each questionnaire response as a
QuestionnaireResponse and each lab value as an Observation (LOINC, range, abnormal or not), validated
with the R4B models with the rest of the bundle; identifiers stay masked."""

from __future__ import annotations

from chalicelib.followup.contracts.questionnaires import ObservationBody
from chalicelib.followup.service import intake, results

from tests.unit.followup.test_followup_links import BP, DOCTOR, NOW, World


def test_the_export_holds_the_patients_responses_and_lab_values() -> None:
    world = World()
    world.task()
    link = world.link()
    world.submit(link.path.split("/p/", 1)[1], BP)
    trough = ObservationBody(code="tacrolimus_trough", value=14.2, unit="ng/mL", taken_at=NOW)
    results.record_observation(
        DOCTOR, "p1", trough, "r", store=world.store.as_caller(DOCTOR), directory=world.directory, now=NOW
    )

    bundle = intake.export_fhir(DOCTOR, "p1", store=world.store.as_caller(DOCTOR), directory=world.directory)
    by_type: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    (answered,) = by_type["QuestionnaireResponse"]
    assert answered["status"] == "completed" and answered["questionnaire"].startswith(
        "urn:fh:followup:questionnaire:hypertension-bp|"
    )
    assert {i["linkId"]: i["answer"][0] for i in answered["item"]}["systolic"] == {"valueDecimal": 182}
    assert answered["subject"]["reference"] == "Patient/p1"
    (lab,) = by_type["Observation"]
    assert lab["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "11253-8",
        "display": "他克莫司谷浓度",
    }
    assert lab["valueQuantity"] == {"value": 14.2, "unit": "ng/mL"}
    assert lab["referenceRange"][0]["high"]["value"] == 10
    assert lab["interpretation"][0]["coding"][0]["code"] == "A"
    (patient,) = by_type["Patient"]
    assert patient["identifier"][0]["value"] == "110105********002X" and patient["name"][0]["text"] == "张*"
