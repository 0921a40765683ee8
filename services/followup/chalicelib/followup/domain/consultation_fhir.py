"""A consultation as FHIR R4 (validated with fhir.resources' R4B models, imported when used).

A ``collection`` Bundle:

- a **ServiceRequest** (the request: ``category`` 会诊, ``priority`` stat for an emergency, else routine;
  ``reasonCode`` the question, ``note`` the clinical summary, ``performer`` the target departments as
  Organizations and the invited specialists as Practitioners, ``occurrencePeriod`` an MDT's slot);
- a **Task** (its lifecycle: requested → accepted → completed, cancelled; ``restriction.period.end`` the
  SLA's due time, ``basedOn`` the ServiceRequest, ``owner`` who accepted);
- a **ClinicalImpression** per opinion (status completed, ``assessor`` the specialist, ``summary`` the
  assessment, ``finding`` the ICD-10 diagnoses, ``note`` the findings, recommendations and follow-up
  advice) — the opinion is a clinician's assessment, which ClinicalImpression models in R4 (a Composition
  would be a document with sections, more than a note needs).

The subject is the patient by reference on the requesting side; the receiving side names only the masked
label (it never holds the patient's id).
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.followup.domain.consultations import Consultation
from chalicelib.followup.domain.fhir import _clean, fhir_id

ICD10 = "http://hl7.org/fhir/sid/icd-10"
_TASK_STATUS = {
    "requested": "requested",
    "accepted": "accepted",
    "answered": "completed",
    "cancelled": "cancelled",
}
_REQUEST_STATUS = {
    "requested": "active",
    "accepted": "active",
    "answered": "completed",
    "cancelled": "revoked",
}


def _subject(c: Consultation) -> dict[str, Any]:
    subject: dict[str, Any] = {"display": c.patient_label}
    if c.patient_id:
        subject["reference"] = f"Patient/{fhir_id(c.patient_id)}"
    return subject


def bundle(c: Consultation) -> dict[str, Any]:
    from fhir.resources.R4B.bundle import Bundle

    request_id = fhir_id(c.id)
    request: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": request_id,
        "status": _REQUEST_STATUS[c.state],
        "intent": "order",
        "category": [{"text": "会诊"}],
        "code": {"text": {"emergency": "急会诊", "ordinary": "普通会诊", "mdt": "多学科会诊"}[c.urgency]},
        "priority": "stat" if c.urgency == "emergency" else "routine",
        "subject": _subject(c),
        "authoredOn": c.requested_at.isoformat(),
        "requester": {
            "reference": f"Practitioner/{fhir_id(c.requested_by)}",
            "display": c.requested_by_name or None,
        },
        "performer": [
            {"reference": f"Organization/{fhir_id(d)}", "display": c.department_names.get(d) or None}
            for d in c.department_ids
        ]
        + [
            {"reference": f"Practitioner/{fhir_id(s)}", "display": c.invited_names.get(s) or None}
            for s in c.invited
        ],
        "reasonCode": [{"text": c.question}],
    }
    if c.summary:
        request["note"] = [{"text": c.summary}]
    if c.slot is not None:
        request["occurrencePeriod"] = {"start": c.slot.start.isoformat(), "end": c.slot.end.isoformat()}
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": f"{request_id}-task"[:64],
        "status": _TASK_STATUS[c.state],
        "intent": "order",
        "basedOn": [{"reference": f"ServiceRequest/{request_id}"}],
        "for": _subject(c),
        "authoredOn": c.requested_at.isoformat(),
        "lastModified": c.updated_at.isoformat(),
        "restriction": {"period": {"end": c.due_at.isoformat()}},
    }
    if c.accepted_by:
        task["owner"] = {
            "reference": f"Practitioner/{fhir_id(c.accepted_by)}",
            "display": c.accepted_by_name or None,
        }
    if c.overdue_at is not None and c.state != "answered":
        task["businessStatus"] = {"text": "overdue"}
    impressions = []
    for n, o in enumerate(c.opinions):
        notes = [f"所见：{o.findings}", f"建议：{o.recommendations}"] + (
            [f"随访：{o.follow_up}"] if o.follow_up else []
        )
        impressions.append(
            {
                "resourceType": "ClinicalImpression",
                "id": f"{request_id}-o{n + 1}"[:64],
                "status": "completed",
                "subject": _subject(c),
                "date": o.at.isoformat(),
                "assessor": {
                    "reference": f"Practitioner/{fhir_id(o.doctor_id)}",
                    "display": o.doctor_name or None,
                },
                "description": o.department_name or None,
                "summary": o.assessment,
                "finding": [
                    {"itemCodeableConcept": {"coding": [{"system": ICD10, "code": code}]}}
                    for code in o.diagnoses
                ]
                or None,
                "note": [{"text": t} for t in notes],
            }
        )
    resources = [request, task, *impressions]
    data = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:fh:followup:{r['resourceType']}:{r['id']}", "resource": _clean(r)}
            for r in resources
        ],
    }
    return dict(json.loads(Bundle.model_validate(data).model_dump_json()))
