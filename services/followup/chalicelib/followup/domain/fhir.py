"""FHIR R4 in and out, on fhir.resources' R4B models (imported when used: they are heavy).

**In** (``read_discharge``): a ``Bundle`` with one ``Patient``, one ``Encounter`` and its
``Condition``\\ s (and optionally a ``Procedure``). What is read, and from where:

- the resident ID number: ``Patient.identifier`` with system ``urn:oid:2.16.156.10011.1.1``
  (居民身份证号码) — ``RESIDENT_ID_SYSTEMS`` lists the systems accepted; name: ``Patient.name[0].text``
  (else family + given); mobile: ``Patient.telecom`` with system ``phone``; address:
  ``Patient.address[0].text``; sex: ``Patient.gender``; birth date: ``Patient.birthDate``;
- the discharge date: ``Encounter.period.end``; the HIS's encounter id: ``Encounter.identifier[0].value``
  (else ``Encounter.id``); the department: ``Encounter.serviceProvider`` (``Organization/<department
  id>``); the responsible doctor: the first ``Encounter.participant.individual``
  (``Practitioner/<staff id>``); ``Encounter.subject`` must name the bundle's Patient;
- diagnoses: each ``Condition.code.coding`` whose system is ICD-10 (``ICD10_SYSTEMS``);
- the procedure: ``Procedure.code.coding[0]`` (code and display).

Whatever is wrong is a ``BundleProblem`` naming the path in the bundle (``entry[1].resource.subject``).

**Out** (``export_bundle``): a ``collection`` Bundle of the patient's follow-up — Patient (identifiers
masked), Encounter, Condition, CarePlan (each enrolment), Task (each task) — validated before it is
returned.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from chalicelib.followup.domain.enrolments import Encounter, Enrolment
from chalicelib.followup.domain.patients import Patient
from chalicelib.followup.domain.referrals import Referral
from chalicelib.followup.domain.results import Observation, Response
from chalicelib.followup.domain.tasks import Task

from shared import i18n

RESIDENT_ID_SYSTEMS = ("urn:oid:2.16.156.10011.1.1", "urn:oid:1.2.156.10011.1.1")
ICD10_SYSTEMS = (
    "http://hl7.org/fhir/sid/icd-10",
    "http://hl7.org/fhir/sid/icd-10-cn",
    "urn:oid:2.16.156.10011.2.3.3.11",  # GB/T 14396 疾病分类与代码
)
MASKED_ID_SYSTEM = "urn:oid:2.16.156.10011.1.1"


class BundleProblem(ValueError):
    """A bundle that cannot be read: each (path, message)."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(f"{p}: {m}" for p, m in errors))
        self.errors = errors


@dataclass
class FhirDischarge:
    """What a bundle says about a discharge, in the words of ``contracts.intake.Discharge``."""

    name: str
    id_number: str
    mobile: str
    address: str
    sex: str | None
    birth_date: date | None
    diagnoses: list[str]
    department_id: str
    doctor_id: str
    discharge_date: date
    encounter_id: str = ""
    procedure: str = ""
    procedure_name: str = ""
    paths: dict[str, str] = field(default_factory=dict)  # field → where in the bundle it came from


def path_of(loc: tuple[Any, ...]) -> str:
    """``('entry', 1, 'resource', 'subject')`` → ``entry[1].resource.subject``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "body"


def validate_bundle(data: dict[str, Any]) -> Any:
    """The bundle as R4B models; ``BundleProblem`` naming each path that is wrong."""
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    entries = data.get("entry")
    if not isinstance(entries, list) or not entries:
        raise BundleProblem([("entry", "a bundle lists its resources in entry")])
    for n, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if not isinstance(kind, str):
            raise BundleProblem(
                [(f"entry[{n}].resource", "each entry holds a resource with its resourceType")]
            )
        try:
            get_fhir_model_class(kind)
        except (ValueError, KeyError):
            raise BundleProblem(
                [(f"entry[{n}].resource.resourceType", "not a FHIR R4 resource type")]
            ) from None
    try:
        return Bundle.model_validate(data)
    except ValidationError as exc:
        raise BundleProblem([(path_of(tuple(e["loc"])), _message(e)) for e in exc.errors()]) from None
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as exc:
        raise BundleProblem([("body", f"not a valid FHIR R4 bundle ({type(exc).__name__})")]) from None


def _message(error: Any) -> str:
    """The model's complaint as a person reads it (no regular expression, never the value)."""
    return i18n.field_message(error)[:200]


def _ref_id(reference: Any, kind: str) -> str:
    """``Organization/d1`` → ``d1`` (when the reference is of ``kind``)."""
    ref = getattr(reference, "reference", None) or ""
    prefix = kind + "/"
    return ref[len(prefix) :] if ref.startswith(prefix) else ""


def read_discharge(data: dict[str, Any]) -> FhirDischarge:
    bundle = validate_bundle(data)
    found: dict[str, list[tuple[int, Any, str]]] = {}
    for n, entry in enumerate(bundle.entry or []):
        resource = entry.resource
        found.setdefault(resource.get_resource_type(), []).append((n, resource, entry.fullUrl or ""))
    errors: list[tuple[str, str]] = []
    patients = found.get("Patient", [])
    encounters = found.get("Encounter", [])
    if len(patients) != 1:
        raise BundleProblem([("entry", "a discharge bundle holds exactly one Patient")])
    if len(encounters) != 1:
        raise BundleProblem([("entry", "a discharge bundle holds exactly one Encounter")])
    pn, patient, patient_url = patients[0]
    en, encounter, _ = encounters[0]
    at = f"entry[{pn}].resource"
    id_number = ""
    for identifier in patient.identifier or []:
        if identifier.system in RESIDENT_ID_SYSTEMS and identifier.value:
            id_number = identifier.value
    if not id_number:
        errors.append(
            (f"{at}.identifier", "no identifier with the resident ID system " + RESIDENT_ID_SYSTEMS[0])
        )
    name = ""
    if patient.name:
        first = patient.name[0]
        name = first.text or ((first.family or "") + "".join(first.given or []))
    if not name:
        errors.append((f"{at}.name", "the patient has no name"))
    mobile = next((t.value for t in patient.telecom or [] if t.system in ("phone", "sms") and t.value), "")
    address = patient.address[0].text or "" if patient.address else ""
    sex = patient.gender if patient.gender in ("male", "female") else None
    subject_ok = False
    subject = getattr(encounter.subject, "reference", None) or ""
    if subject and (
        (patient.id and subject == f"Patient/{patient.id}") or (patient_url and subject == patient_url)
    ):
        subject_ok = True
    eat = f"entry[{en}].resource"
    if not subject_ok:
        errors.append((f"{eat}.subject", "the encounter's subject is not the bundle's Patient"))
    end = encounter.period.end if encounter.period else None
    discharge: date | None = end.date() if isinstance(end, datetime) else end
    if discharge is None:
        errors.append((f"{eat}.period.end", "the encounter has no discharge date (period.end)"))
    department = _ref_id(encounter.serviceProvider, "Organization")
    if not department:
        errors.append(
            (f"{eat}.serviceProvider", "the department is an Organization/<department id> reference")
        )
    doctor = ""
    for participant in encounter.participant or []:
        doctor = doctor or _ref_id(participant.individual, "Practitioner")
    if not doctor:
        errors.append(
            (f"{eat}.participant", "the responsible doctor is a Practitioner/<staff id> participant")
        )
    diagnoses: list[str] = []
    for n, condition, _ in found.get("Condition", []):
        codes = [
            c.code
            for c in (condition.code.coding if condition.code else None) or []
            if c.system in ICD10_SYSTEMS and c.code
        ]
        if not codes:
            errors.append((f"entry[{n}].resource.code", "the condition has no ICD-10 coding"))
        diagnoses += codes
    if not found.get("Condition"):
        errors.append(("entry", "a discharge bundle holds at least one Condition"))
    procedure, procedure_name = "", ""
    for _, proc, _ in found.get("Procedure", [])[:1]:
        codings = proc.code.coding if proc.code else None
        if codings:
            procedure, procedure_name = codings[0].code or "", codings[0].display or ""
    if errors:
        raise BundleProblem(errors)
    identifiers = encounter.identifier or []
    source = (identifiers[0].value if identifiers else None) or encounter.id or ""
    assert discharge is not None
    return FhirDischarge(
        name=name,
        id_number=id_number,
        mobile=mobile,
        address=address,
        sex=sex,
        birth_date=patient.birthDate if isinstance(patient.birthDate, date) else None,
        diagnoses=diagnoses,
        department_id=department,
        doctor_id=doctor,
        discharge_date=discharge,
        encounter_id=str(source)[:64],
        procedure=procedure[:20],
        procedure_name=procedure_name[:60],
        paths={
            "id_number": f"{at}.identifier",
            "mobile": f"{at}.telecom",
            "name": f"{at}.name",
            "address": f"{at}.address",
            "sex": f"{at}.gender",
            "birth_date": f"{at}.birthDate",
            "department_id": f"{eat}.serviceProvider",
            "doctor_id": f"{eat}.participant",
            "discharge_date": f"{eat}.period.end",
        },
    )


# ---- export ----------------------------------------------------------------------------------------------

_TASK_STATUS = {"open": "ready", "done": "completed", "missed": "failed", "cancelled": "cancelled"}


def _patient(patient: Patient) -> dict[str, Any]:
    """The Patient with identifiers MASKED (the full values never leave through an export)."""
    out: dict[str, Any] = {
        "resourceType": "Patient",
        "id": fhir_id(patient.id),
        "identifier": [{"system": MASKED_ID_SYSTEM, "value": patient.masked.get("id_number", "")}],
        "name": [{"text": patient.label}],
        "gender": patient.sex,
        "birthDate": patient.birth_date.isoformat(),
    }
    if patient.masked.get("mobile"):
        out["telecom"] = [{"system": "phone", "value": patient.masked["mobile"]}]
    if patient.masked.get("address"):
        out["address"] = [{"text": patient.masked["address"]}]
    return out


def _encounter(e: Encounter) -> list[dict[str, Any]]:
    encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": fhir_id(e.id),
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "subject": {"reference": f"Patient/{e.patient_id}"},
        "period": {"end": e.discharge_date.isoformat()},
        "serviceProvider": {
            "reference": f"Organization/{e.department_id}",
            "display": e.department_name or None,
        },
        "participant": [
            {"individual": {"reference": f"Practitioner/{e.doctor_id}", "display": e.doctor_name or None}}
        ],
    }
    if e.source_id:
        encounter["identifier"] = [{"value": e.source_id}]
    out = [encounter]
    for n, code in enumerate(e.diagnoses):
        out.append(
            {
                "resourceType": "Condition",
                "id": fhir_id(f"{e.id}-c{n}"),
                "subject": {"reference": f"Patient/{e.patient_id}"},
                "encounter": {"reference": f"Encounter/{fhir_id(e.id)}"},
                "code": {"coding": [{"system": ICD10_SYSTEMS[0], "code": code}]},
            }
        )
    return out


def _care_plan(e: Enrolment) -> dict[str, Any]:
    return {
        "resourceType": "CarePlan",
        "id": fhir_id(e.id),
        "status": "active" if e.state == "active" else "completed",
        "intent": "plan",
        "title": e.plan_name,
        "instantiatesUri": [f"urn:fh:followup:plan:{e.plan_id}:{e.plan_version}"],
        "subject": {"reference": f"Patient/{e.patient_id}"},
        "encounter": {"reference": f"Encounter/{fhir_id(e.encounter_id)}"},
        "period": {"start": e.discharge_date.isoformat()},
        "author": {"reference": f"Practitioner/{e.doctor_id}", "display": e.doctor_name or None},
    }


def _task(t: Task) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Task",
        "id": fhir_id(t.id),
        "status": _TASK_STATUS[t.state],
        "intent": "plan",
        "description": t.title,
        "code": {"text": t.kind},
        "for": {"reference": f"Patient/{t.patient_id}"},
        "executionPeriod": {"start": t.due.isoformat(), "end": t.closes_on().isoformat()},
        "authoredOn": t.created_at.isoformat(),
    }
    if t.enrolment_id:
        out["basedOn"] = [{"reference": f"CarePlan/{fhir_id(t.enrolment_id)}"}]
    if t.doctor_id:
        out["owner"] = {"reference": f"Practitioner/{t.doctor_id}", "display": t.doctor_name or None}
    if t.outcome:
        out["businessStatus"] = {"text": t.outcome}
    return out


def response_resource(r: Response) -> dict[str, Any]:
    """A questionnaire response as a FHIR QuestionnaireResponse (the answers, by item id)."""
    items = []
    for link_id, value in r.answers.items():
        values = value if isinstance(value, list) else [value]
        answers = [_answer(v) for v in values if v is not None and v != ""]
        if answers:
            items.append({"linkId": link_id, "answer": answers})
    out: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": fhir_id(r.id),
        "questionnaire": f"urn:fh:followup:questionnaire:{r.questionnaire_id}|{r.questionnaire_version}",
        "status": "completed",
        "subject": {"reference": f"Patient/{fhir_id(r.patient_id)}"},
        "authored": r.submitted_at.isoformat(),
        "item": items or None,
    }
    if r.task_id:
        out["basedOn"] = [{"reference": f"Task/{fhir_id(r.task_id)}"}]
    return out


def _answer(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"valueBoolean": value}
    if isinstance(value, int | float):
        return {"valueDecimal": value}
    return {"valueString": str(value)}


def observation_resource(o: Observation) -> dict[str, Any]:
    """A lab (or measured) value as a FHIR Observation, with its range and whether it was abnormal."""
    coding = [{"system": "http://loinc.org", "code": o.loinc, "display": o.name}] if o.loinc else None
    reference: dict[str, Any] = {}
    if o.low is not None:
        reference["low"] = {"value": o.low, "unit": o.unit}
    if o.high is not None:
        reference["high"] = {"value": o.high, "unit": o.unit}
    interpretation = "A" if o.abnormal else "N"
    return {
        "resourceType": "Observation",
        "id": fhir_id(o.id),
        "status": "final",
        "code": {"coding": coding, "text": o.name},
        "subject": {"reference": f"Patient/{fhir_id(o.patient_id)}"},
        "effectiveDateTime": o.taken_at.isoformat(),
        "valueQuantity": {"value": o.value, "unit": o.unit},
        "referenceRange": [reference] if reference else None,
        "interpretation": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": interpretation,
                    }
                ]
            }
        ]
        if o.range_source != "none"
        else None,
    }


def fhir_id(record_id: str) -> str:
    """A record's id as a FHIR id (``[A-Za-z0-9-.]{1,64}``)."""
    return record_id.replace("_", ".")[:64]


def _clean(value: Any) -> Any:
    """Without the Nones (FHIR has no nulls)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def export_bundle(
    patient: Patient,
    encounters: list[Encounter],
    enrolments: list[Enrolment],
    tasks: list[Task],
    more: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The patient's follow-up as a validated FHIR R4 collection Bundle. ``more``: further resources
    (QuestionnaireResponse, Observation) as FHIR JSON, validated with the rest."""
    from fhir.resources.R4B.bundle import Bundle

    resources = [_patient(patient)]
    for encounter in encounters:
        resources += _encounter(encounter)
    resources += [_care_plan(e) for e in enrolments]
    resources += [_task(t) for t in tasks]
    resources += list(more or [])
    data = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:fh:followup:{r['resourceType']}:{r['id']}", "resource": _clean(r)}
            for r in resources
        ],
    }
    bundle = Bundle.model_validate(data)
    return dict(json.loads(bundle.model_dump_json()))


# ---- referral (双向转诊): ServiceRequest + Task --------------------------------------------------------

_REFERRAL_TASK_STATUS = {
    "requested": "requested",
    "accepted": "accepted",
    "rejected": "rejected",
    "arrived": "in-progress",
    "no_show": "failed",
    "completed": "completed",
    "cancelled": "cancelled",
}
_REFERRAL_REQUEST_STATUS = {
    "requested": "active",
    "accepted": "active",
    "arrived": "active",
    "rejected": "revoked",
    "cancelled": "revoked",
    "no_show": "revoked",
    "completed": "completed",
}
_PRIORITY = {"routine": "routine", "urgent": "urgent", "emergency": "stat"}
SNOMED = "http://snomed.info/sct"


def _step(at: str, state: str, hospital: str, who: str, note: str) -> dict[str, str]:
    return {"time": at, "text": " · ".join(x for x in (state, hospital, who, note) if x)}


def referral_bundle(r: Referral) -> dict[str, Any]:
    """One end of a referral as a validated FHIR R4 collection Bundle: the ServiceRequest (what was asked)
    and its Task (where it stands, its history as annotated steps). The patient by this hospital's id
    (or, before acceptance on the receiver's side, by the masked label only)."""
    from fhir.resources.R4B.bundle import Bundle

    subject: dict[str, Any] = (
        {"reference": f"Patient/{fhir_id(r.patient_id)}", "display": r.patient_label}
        if r.patient_id
        else {"display": r.patient_label}
    )
    sender = {
        "reference": f"Organization/{fhir_id(r.from_hospital_id)}",
        "display": r.from_hospital_name or None,
    }
    receiver = {
        "reference": f"Organization/{fhir_id(r.to_hospital_id)}",
        "display": r.to_hospital_name or None,
    }
    request = {
        "resourceType": "ServiceRequest",
        "id": fhir_id(r.id),
        "status": _REFERRAL_REQUEST_STATUS[r.state],
        "intent": "order",
        "priority": _PRIORITY[r.urgency],
        "category": [{"text": "上转" if r.direction == "up" else "下转"}],
        "code": {
            "coding": [{"system": "http://snomed.info/sct", "code": "3457005", "display": "Patient referral"}]
        },
        "subject": subject,
        "authoredOn": r.created_at.isoformat(),
        "requester": {
            "reference": f"Practitioner/{fhir_id(r.referrer_id)}",
            "display": r.referrer_name or None,
        },
        "performer": [receiver],
        "reasonCode": [
            {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/sid/icd-10",
                        "code": r.diagnosis_code,
                        "display": r.diagnosis_name or None,
                    }
                ],
                "text": r.reason,
            }
        ],
        "note": [{"text": r.summary}] if r.summary else None,
    }
    task = {
        "resourceType": "Task",
        "id": fhir_id(r.id) + "-task",
        "status": _REFERRAL_TASK_STATUS[r.state],
        "intent": "order",
        "priority": _PRIORITY[r.urgency],
        "basedOn": [{"reference": f"ServiceRequest/{fhir_id(r.id)}"}],
        "for": subject,
        "authoredOn": r.created_at.isoformat(),
        "lastModified": r.updated_at.isoformat(),
        "requester": sender,
        "owner": receiver,
        "statusReason": {"text": r.reject_reason} if r.reject_reason else None,
        "executionPeriod": {"start": r.appointment_at.isoformat()} if r.appointment_at else None,
        "restriction": {"period": {"end": r.sla_due_at.isoformat()}},
        "note": [
            {
                "time": h.at.isoformat(),
                "text": f"{h.state} · {h.hospital_id} · {h.by_name or h.by}"
                + (f" · {h.note}" if h.note else ""),
            }
            for h in r.history
        ],
    }
    data = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:fh:followup:{x['resourceType']}:{x['id']}", "resource": _clean(x)}
            for x in (request, task)
        ],
    }
    bundle = Bundle.model_validate(data)
    return dict(json.loads(bundle.model_dump_json()))
