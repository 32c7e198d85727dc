"""The project's URLs: allauth, the admin, and one namespace per app
(accounts:, sessions_log:, coaching:)."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from coaching.views import (
    accounting,
    billing,
    billing_identities,
    caseloads,
    claims,
    consents,
    episodes,
    health,
    homes,
    outreach,
    paper_consents,
    plans,
    record,
    record_requests,
    remittances,
    retention,
    trust,
)

# The admin signs in through allauth, so its rate limits and MFA apply there too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Administration"

coaching_urlpatterns = [
    # Homes: the pages that show several apps' data.
    path("caseload/", homes.coach_home, name="coach_home"),
    path("my/sessions/", homes.client_home, name="client_home"),
    path("clients/<int:pk>/", homes.client_timeline, name="client_timeline"),
    # Trust: check-ins, flags, private requests.
    path("checkins/", trust.my_checkins, name="my_checkins"),
    path("checkins/new/", trust.checkin_new, name="checkin_new"),
    path("checkins/link/<str:token>/", trust.checkin_by_link, name="checkin_by_link"),
    path("flags/<int:pk>/acknowledge/", trust.flag_acknowledge, name="flag_acknowledge"),
    path("flags/<int:pk>/resolve/", trust.flag_resolve, name="flag_resolve"),
    path("supervision/", trust.supervision, name="supervision"),
    path(
        "supervision/requests/<int:pk>/done/",
        trust.supervisor_request_done,
        name="supervisor_request_done",
    ),
    path(
        "supervision/requests/<int:pk>/taken/",
        trust.supervisor_request_handle,
        name="supervisor_request_handle",
    ),
    # Caseload review for supervisors and admins.
    path("caseloads/", caseloads.team_dashboard, name="team_dashboard"),
    path("caseloads/coaches/<int:pk>/", caseloads.coach_detail, name="coach_detail"),
    path("caseloads/clients/<int:pk>/", caseloads.client_history, name="client_history"),
    path("caseloads/clients/<int:pk>/reassign/", caseloads.client_reassign, name="client_reassign"),
    path("caseloads/report/", caseloads.report, name="report"),
    # Billing: the claim file and the funder report.
    path("billing/claims/", billing.claims, name="claims"),
    path("billing/claims/download/", billing.claim_download, name="claim_download"),
    path(
        "billing/claims/files/<int:pk>/download/",
        billing.claim_sheet_download,
        name="claim_sheet_download",
    ),
    path("billing/claims/files/<int:pk>/sent/", billing.claim_sheet_sent, name="claim_sheet_sent"),
    path("billing/funder-report/", billing.funder_report, name="funder_report"),
    # Billing identities (the organisation, the coaches, an episode's diagnosis and prior
    # authorisation) and remittances (835 uploads).
    path("billing/identities/", billing_identities.identities, name="billing_identities"),
    path(
        "billing/identities/coaches/<int:pk>/",
        billing_identities.provider_identity,
        name="provider_identity",
    ),
    path("billing/episodes/<int:pk>/", episodes.episode_billing, name="episode_billing"),
    path("billing/remittances/", remittances.remittances, name="remittances"),
    path("billing/remittances/upload/", remittances.remittance_upload, name="remittance_upload"),
    path(
        "billing/remittances/<int:pk>/download/",
        remittances.remittance_download,
        name="remittance_download",
    ),
    # Billing for the staff who bill: the Billing page (ready lines, make a
    # batch, recent batches) and a batch's page (download, accept, void, replace).
    path("billing/", claims.billing, name="billing"),
    path("billing/batches/new/", claims.claim_batch_new, name="claim_batch_new"),
    path("billing/batches/<int:pk>/", claims.claim_batch, name="claim_batch"),
    path(
        "billing/batches/<int:pk>/download/",
        claims.claim_batch_download,
        name="claim_batch_download",
    ),
    path("billing/batches/<int:pk>/cover/", claims.claim_batch_cover, name="claim_batch_cover"),
    path("billing/batches/<int:pk>/accept/", claims.claim_batch_accept, name="claim_batch_accept"),
    path("billing/batches/<int:pk>/sent/", claims.claim_batch_sent, name="claim_batch_sent"),
    path("billing/claims/<int:pk>/void/", claims.claim_void, name="claim_void"),
    path("billing/claims/<int:pk>/replace/", claims.claim_replace, name="claim_replace"),
    # The recovery plan.
    path("my/plan/", plans.my_plan, name="my_plan"),
    path("plans/due/", plans.plans_due, name="plans_due"),
    path("plans/<int:pk>/", plans.plan, name="plan"),
    path("plans/<int:pk>/history/", plans.plan_history, name="plan_history"),
    path("plans/<int:pk>/print/", plans.plan_print, name="plan_print"),
    path("plans/<int:pk>/goals/", plans.goal_add, name="goal_add"),
    path("plans/<int:pk>/steps/", plans.step_add, name="step_add"),
    path("plans/goals/<int:pk>/", plans.goal_change, name="goal_change"),
    path("plans/steps/<int:pk>/", plans.step_change, name="step_change"),
    path("plans/steps/<int:pk>/progress/", plans.step_progress, name="step_progress"),
    path("plans/versions/<int:pk>/agree/", plans.plan_confirm, name="plan_confirm"),
    path("plans/versions/<int:pk>/sign/", plans.plan_sign, name="plan_sign"),
    # Episodes of care and outreach.
    path("my/episodes/", episodes.my_episodes, name="my_episodes"),
    path("clients/<int:pk>/episodes/", episodes.episodes, name="episodes"),
    path("clients/<int:pk>/episodes/open/", episodes.episode_open, name="episode_open"),
    path(
        "clients/<int:pk>/episodes/discharge/",
        episodes.episode_discharge,
        name="episode_discharge",
    ),
    path("clients/<int:pk>/outreach/", outreach.outreach, name="outreach"),
    path("clients/<int:pk>/outreach/attempts/", outreach.outreach_attempt, name="outreach_attempt"),
    path(
        "clients/<int:pk>/outreach/preferences/",
        outreach.contact_preferences,
        name="contact_preferences",
    ),
    # Consents and disclosures.
    path("my/consents/", consents.my_consents, name="my_consents"),
    path("my/consents/<int:pk>/", consents.my_consent, name="my_consent"),
    path("my/consents/<int:pk>/sign/", consents.consent_sign, name="consent_sign"),
    path("my/consents/<int:pk>/revoke/", consents.consent_revoke, name="consent_revoke"),
    path("clients/<int:pk>/consents/", consents.client_consents, name="client_consents"),
    path("clients/<int:pk>/consents/new/", consents.consent_prepare, name="consent_prepare"),
    path("consents/<int:pk>/end/", consents.consent_end, name="consent_end"),
    path("consents/<int:pk>/signed.txt", consents.consent_signed_copy, name="consent_signed_copy"),
    path(
        "consents/<int:pk>/revoked-in-writing/",
        consents.consent_revoke_in_writing,
        name="consent_revoke_in_writing",
    ),
    path("consents/<int:pk>/print/", paper_consents.consent_print, name="consent_print"),
    path(
        "consents/<int:pk>/paper-signature/",
        paper_consents.consent_paper_signature,
        name="consent_paper_signature",
    ),
    path("consent-scans/<int:pk>/", paper_consents.consent_document, name="consent_document"),
    path("consents/<int:pk>/disclose/", consents.consent_disclosure, name="consent_disclosure"),
    path("consents/<int:pk>/disclose/csv/", consents.consent_disclose, name="consent_disclose"),
    path("consents/files/<int:pk>/sent/", consents.outgoing_file_sent, name="outgoing_file_sent"),
    path(
        "consents/files/<int:pk>/download/",
        consents.outgoing_file_download,
        name="outgoing_file_download",
    ),
    # The accounting of disclosures (42 CFR 2.25), and those made outside the app.
    path("retention/", retention.retention_review, name="retention_review"),
    path("my/disclosures/", accounting.my_accounting, name="my_accounting"),
    path("clients/<int:pk>/disclosures/", accounting.client_accounting, name="client_accounting"),
    path(
        "clients/<int:pk>/disclosures/outside/",
        accounting.outside_disclosure_record,
        name="outside_disclosure_record",
    ),
    # The client's own record (HIPAA 164.524) and requests about it, with
    # their 30-day clock (164.524 access, 164.526 amendment).
    path("my/full-record/", record.my_record, name="my_record"),
    path("my/full-record/print/", record.my_record_print, name="my_record_print"),
    path("my/full-record/download.json", record.my_record_json, name="my_record_json"),
    path("my/full-record/download.pdf", record.my_record_pdf, name="my_record_pdf"),
    path("record-requests/", record_requests.record_requests, name="record_requests"),
    path(
        "clients/<int:pk>/record-requests/",
        record_requests.client_record_requests,
        name="client_record_requests",
    ),
    path("record-requests/<int:pk>/", record_requests.record_request, name="record_request"),
]

# Django tries these in order, and every include that does not match costs
# a little on every request: the pages people open all day come first.
urlpatterns = [
    path("", health.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("", include((coaching_urlpatterns, "coaching"))),
    path("", include("sessions_log.urls")),
    path("", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
