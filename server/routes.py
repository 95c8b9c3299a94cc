"""Every feature's route handlers, in one list the app factory mounts (one import per feature)."""

from __future__ import annotations

from certificates import controller as certificates_controller
from certificates import national_controller as certificates_national_controller
from competition.auth import controller as competition_auth_controller
from competition.dayof import controller as competition_dayof_controller
from competition.events import controller as competition_events_controller
from competition.judges import controller as competition_judges_controller
from competition.registration import controller as competition_registration_controller
from frontend import pages as frontend_pages
from frontend import pages_certificates as frontend_pages_certificates
from frontend import pages_dayof as frontend_pages_dayof
from frontend import pages_delegation as frontend_pages_delegation
from frontend import pages_honours as frontend_pages_honours
from frontend import pages_judges as frontend_pages_judges
from frontend import pages_live as frontend_pages_live
from frontend import pages_national as frontend_pages_national
from frontend import pages_people as frontend_pages_people
from frontend import pages_province as frontend_pages_province
from frontend import pages_public as frontend_pages_public
from frontend import pages_registration as frontend_pages_registration
from frontend import pages_results as frontend_pages_results
from frontend import pages_rules as frontend_pages_rules
from frontend import pages_scheme as frontend_pages_scheme
from frontend import pages_tablet as frontend_pages_tablet
from honours import controller as honours_controller
from marking.live import controller as scoring_live_controller
from marking.live import ws as scoring_live_ws
from marking.release import controller as scoring_release_controller
from province import controller as province_controller
from server import ops as server_ops


def route_handlers() -> list:
    """The handlers, in mounting order: the API of each feature, then its pages."""
    return [
        server_ops.health,
        server_ops.ready,
        competition_auth_controller.AuthController,
        competition_auth_controller.me,
        competition_auth_controller.my_invitations,
        competition_auth_controller.accept_invitation,
        competition_auth_controller.decline_invitation,
        competition_auth_controller.AccountController,
        competition_events_controller.EventController,
        competition_registration_controller.RegistrationController,
        competition_registration_controller.IdentityCorrectionController,
        competition_registration_controller.RegistrationWindowController,
        competition_registration_controller.DelegationRegistrationController,
        competition_registration_controller.RegistrationReviewController,
        competition_registration_controller.CityReviewController,
        competition_dayof_controller.DayOfController,
        competition_judges_controller.JudgeController,
        scoring_live_controller.SchemeController,
        scoring_live_controller.MarksController,
        scoring_live_controller.judge_assignments,
        scoring_live_controller.public_skill_board,
        scoring_live_controller.public_event_board,
        *scoring_live_ws.ws_handlers(),
        scoring_release_controller.ResultsController,
        scoring_release_controller.AppealsController,
        scoring_release_controller.public_event_results,
        scoring_release_controller.public_skill_results,
        scoring_release_controller.public_event_awards,
        scoring_release_controller.public_notice_pdf,
        *frontend_pages.page_handlers(),
        *frontend_pages_registration.page_handlers(),
        *frontend_pages_delegation.page_handlers(),
        *frontend_pages_dayof.page_handlers(),
        *frontend_pages_judges.page_handlers(),
        *frontend_pages_people.page_handlers(),
        *frontend_pages_tablet.page_handlers(),
        *frontend_pages_live.page_handlers(),
        *frontend_pages_scheme.page_handlers(),
        *frontend_pages_results.page_handlers(),
        *frontend_pages_rules.page_handlers(),
        certificates_controller.ProposalsController,
        certificates_controller.CertificateController,
        certificates_controller.person_ledger,
        certificates_controller.verify_certificate,
        certificates_controller.certificate_download,
        certificates_controller.contestant_lookup,
        certificates_controller.contestant_own_results,
        certificates_controller.contestant_appeal,
        certificates_national_controller.NationalRecordController,
        *frontend_pages_certificates.page_handlers(),
        honours_controller.SelectionController,
        honours_controller.public_notice,
        honours_controller.file_objection,
        *frontend_pages_honours.page_handlers(),
        *frontend_pages_national.page_handlers(),
        province_controller.ProvinceController,
        *frontend_pages_province.page_handlers(),
        *frontend_pages_public.page_handlers(),
    ]
