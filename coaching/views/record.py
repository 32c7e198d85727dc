"""A client's "My record": their requests about it, and their whole record
to keep, as a printable page, a PDF and a JSON file (HIPAA 45 CFR 164.524)."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Role
from accounts.policy import role_required
from coaching.record_pdf import record_pdf
from coaching.selectors import record as selectors
from common.downloads import attachment


@require_GET
@role_required(Role.CLIENT)
def my_record(request):
    requests = selectors.own_record_requests_for_viewing(request.user)
    return render(request, "coaching/record/mine.html", {"requests": requests})


@require_GET
@role_required(Role.CLIENT)
def my_record_print(request):
    record = selectors.client_record_for_viewing(request.user, request.user.pk)
    return render(request, "coaching/record/print.html", {"record": record})


@require_GET
@role_required(Role.CLIENT)
def my_record_json(request):
    record = selectors.client_record_for_viewing(request.user, request.user.pk)
    return attachment(
        json.dumps(record, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        filename=f"my-record-{timezone.localdate().isoformat()}.json",
        content_type="application/json; charset=utf-8",
    )


@require_GET
@role_required(Role.CLIENT)
def my_record_pdf(request):
    record = selectors.client_record_for_viewing(request.user, request.user.pk)
    return attachment(
        record_pdf(record),
        filename=f"my-record-{timezone.localdate().isoformat()}.pdf",
        content_type="application/pdf",
    )
