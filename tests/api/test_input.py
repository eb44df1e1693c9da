"""Bad input through the HTTP API: clear 4xx errors, HTML stored as given, names never used as paths, nothing lost."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

import pytest
from tests.patience import patience


def _state(api: Any, case_id: int) -> tuple[Any, ...]:
    case = api.admin.get(f"/cases/{case_id}").json()
    audit = api.admin.get(f"/cases/{case_id}/audit").json()
    return case["version"], case["state"], len(case["documents"]), len(audit), case["items"]


def test_malformed_json_is_a_clear_422_and_creates_nothing(api: Any) -> None:
    response = api.intake.post("/cases", content=b'{"worker_id": "w", ', headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert api.admin.get("/cases").json() == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"signed": "perhaps"}, "signed"),
        ({"priority": "Urgent"}, "priority"),
        ({"disputed_items": "MRI"}, "disputed_items"),
        ({"disputed_items": []}, "disputed_items"),
        ({"dates": {"ur_decision": "last Tuesday"}}, "ur_decision"),
        ({"dates": {"ur_decision": "9999-12-31"}}, "ur_decision"),
        ({"surprise": 1}, "surprise"),
        ({"worker_id": "w\u0000x"}, "worker_id"),
    ],
)
def test_wrong_types_and_values_name_the_field(api: Any, change: dict[str, Any], field: str) -> None:
    response = api.intake.post("/cases", json=api.application(**change))
    assert response.status_code == 422
    assert any(field in [str(p) for p in error["loc"]] for error in response.json()["detail"]), response.json()


def test_wrong_path_and_query_types_are_422(api: Any) -> None:
    assert api.admin.get("/cases/abc").status_code == 422
    assert api.admin.get("/cases/0").status_code == 422
    assert api.admin.get("/cases", params={"state": "lost"}).status_code == 422
    assert api.admin.get("/cases/99999").status_code == 404


def test_uploads_are_refused_when_oversized_fake_or_unknown_and_nothing_is_lost(api: Any) -> None:
    case = api.file_case()
    before = _state(api, case["id"])
    url = f"/cases/{case['id']}/documents"
    limit = api.services.context.documents.max_bytes
    oversized = api.intake.post(url, files={"file": ("big.txt", b"a" * (limit + 1), "text/plain")})
    assert oversized.status_code == 413 and "limit" in oversized.json()["detail"]
    far_over = api.intake.post(url, files={"file": ("huge.txt", b"a" * (limit + 3 * 1024 * 1024), "text/plain")})
    assert far_over.status_code == 413
    fake = api.intake.post(url, files={"file": ("record.pdf", b"This is plain text pretending.", "application/pdf")})
    assert fake.status_code == 415 and "declared a PDF" in fake.json()["detail"]
    binary = api.intake.post(url, files={"file": ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image/png")})
    assert binary.status_code == 415 and "not a readable image" in binary.json()["detail"]
    empty = api.intake.post(url, files={"file": ("empty.txt", b"", "text/plain")})
    assert empty.status_code == 415
    assert _state(api, case["id"]) == before
    stored = [p for p in (api.services.context.documents.root).rglob("*") if p.is_file()]
    assert len(stored) == len(case["documents"]), "a refused upload left a file behind"


def test_a_broken_pdf_is_refused_by_content(api: Any) -> None:
    case = api.file_case()
    response = api.intake.post(
        f"/cases/{case['id']}/documents", files={"file": ("scan.pdf", b"%PDF-1.7\n this is not really a PDF", "application/pdf")}
    )
    assert response.status_code == 415 and "not a readable PDF" in response.json()["detail"]


def test_a_real_pdf_is_stored_under_a_generated_id_and_read_back_unchanged(api: Any, shared_dir: Path) -> None:
    pdf = sorted((shared_dir / "data" / "dwc_letters" / "pdf").glob("*.pdf"))[0]
    data = pdf.read_bytes()
    case = api.file_case()
    response = api.intake.post(
        f"/cases/{case['id']}/documents",
        files={"file": ("../../../etc/passwd.pdf", data, "application/pdf")},
        data={"type": "correspondence", "date": "2025-11-02"},
    )
    assert response.status_code == 201, response.text
    document = response.json()
    assert document["media_type"] == "application/pdf" and document["filename"] == "../../../etc/passwd.pdf"
    assert document["sha256"] == hashlib.sha256(data).hexdigest()
    stored = api.services.context.documents.path(document["id"])
    assert stored.is_file() and stored.name == document["id"] and api.services.context.documents.root in stored.parents
    download = api.admin.get(f"/cases/{case['id']}/documents/{document['id']}")
    assert download.status_code == 200 and download.content == data
    assert "passwd" not in download.headers["content-disposition"]


def test_html_in_text_fields_is_stored_exactly_as_given(api: Any) -> None:
    markup = "<script>alert('x')</script> MRI <b>lumbar</b> spine & \"contrast\""
    case = api.file_case(
        disputed_items=[{"request": markup, "ur_guideline": "<i>ACOEM</i>"}],
        documents=[{"type": "ur_decision", "text": "<p>UR letter</p>"}],
    )
    read = api.admin.get(f"/cases/{case['id']}").json()
    assert read["items"][0]["request"] == markup and read["items"][0]["ur_guideline"] == "<i>ACOEM</i>"
    document = read["documents"][0]
    assert api.admin.get(f"/cases/{case['id']}/documents/{document['id']}").text == "<p>UR letter</p>"


def test_an_uploaded_name_is_kept_for_display_only_without_control_characters(api: Any) -> None:
    case = api.file_case()
    long_name = "r" * 1000 + "\u0007.txt"
    response = api.intake.post(f"/cases/{case['id']}/documents", files={"file": (long_name, b"Synthetic note.", "text/plain")})
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "r" * 255


def test_a_scanned_record_is_stored_at_once_and_read_by_ocr_in_a_job(api: Any) -> None:
    from tests.documents.scans import scanned_image, scanned_pdf

    case = api.file_case()
    url = f"/cases/{case['id']}/documents"
    pdf = scanned_pdf()
    uploaded = api.intake.post(url, files={"file": ("fax.pdf", pdf, "application/pdf")}, data={"type": "medical_record"})
    assert uploaded.status_code == 201, uploaded.text
    document = uploaded.json()
    assert document["media_type"] == "application/pdf" and document["ocr_state"] == "pending", "stored before its OCR"
    assert api.admin.get(f"{url}/{document['id']}").content == pdf, "the scan is kept as sent"
    tiff = api.intake.post(url, files={"file": ("fax.tif", scanned_image("TIFF"), "image/tiff")})
    assert tiff.status_code == 201 and tiff.json()["media_type"] == "image/tiff"
    deadline = time.monotonic() + patience(120)
    while True:  # the server's worker reads them
        documents = {d["id"]: d for d in api.admin.get(f"/cases/{case['id']}").json()["documents"]}
        if all(documents[d]["ocr_state"] == "done" for d in (document["id"], tiff.json()["id"])):
            break
        assert time.monotonic() < deadline, [d["ocr_state"] for d in documents.values()]
        time.sleep(0.1)
    read = documents[document["id"]]
    assert read["ocr_pages"] == [0, 1] and len(read["page_offsets"]) == 2
    assert documents[tiff.json()["id"]]["ocr_pages"] == [0, 1]
    with api.services.context.sessions() as session:
        from openimr.cases.store import DocumentRow

        text = session.get(DocumentRow, document["id"]).text
    assert "cyclobenzaprine" in text.lower()
