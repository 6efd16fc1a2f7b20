"""URLs of the questionnaire and review workflow (namespace ``capabilities``).

Every URL that carries an assessment id answers 404 to a user who may not read that assessment.
"""

from django.urls import path

from . import cycle_views, offline_views, review_views, team_views, thread_views, views

app_name = "capabilities"

urlpatterns = [
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("review/", views.review_queue, name="review_queue"),
    path("team/", team_views.team, name="team"),
    path("team/<int:pk>/", team_views.team_member, name="team_member"),
    path("team/<int:pk>/invite/", team_views.team_invite, name="team_invite"),
    path("assessments/<int:pk>/", views.dashboard, name="dashboard"),
    path("assessments/<int:pk>/domains/<str:code>/", views.domain_page, name="domain"),
    path("assessments/<int:pk>/all/", views.questionnaire_all, name="questionnaire_all"),
    path(
        "assessments/<int:pk>/answers/<int:question_id>/save/",
        views.answer_save,
        name="answer_save",
    ),
    path(
        "assessments/<int:pk>/answers/<int:question_id>/history/",
        views.answer_history_page,
        name="answer_history",
    ),
    path(
        "assessments/<int:pk>/answers/<int:question_id>/comments/",
        thread_views.comment_thread,
        name="comment_thread",
    ),
    path("assessments/<int:pk>/check/", views.check_answers, name="check_answers"),
    path("assessments/<int:pk>/submit/", views.submit, name="submit"),
    path("assessments/<int:pk>/review/", views.review, name="review"),
    path(
        "assessments/<int:pk>/review/changes/",
        review_views.changes_since_submission,
        name="changes_since_submission",
    ),
    path("assessments/<int:pk>/review/comment/", views.review_comment, name="review_comment"),
    path("assessments/<int:pk>/return/", views.return_assessment, name="return"),
    path("assessments/<int:pk>/validate/", views.validate_assessment, name="validate"),
    # Running a cycle (the secretariat)
    path("cycles/open/", cycle_views.cycle_open, name="cycle_open"),
    path("cycles/<slug:code>/progress/", cycle_views.cycle_dashboard, name="cycle_dashboard"),
    path("assessments/<int:pk>/deadline/", cycle_views.deadline_extend, name="deadline_extend"),
    path(
        "assessments/<int:pk>/invitation/", cycle_views.invitation_resend, name="invitation_resend"
    ),
    path("notifications/", cycle_views.notifications, name="notifications"),
    # The offline questionnaire (issue 15)
    path(
        "assessments/<int:pk>/questionnaire.xlsx",
        offline_views.questionnaire_download,
        name="questionnaire_download",
    ),
    path(
        "assessments/<int:pk>/questionnaire/upload/",
        offline_views.questionnaire_upload,
        name="questionnaire_upload",
    ),
    path(
        "assessments/<int:pk>/questionnaire/confirm/",
        offline_views.questionnaire_confirm,
        name="questionnaire_confirm",
    ),
    path(
        "assessments/<int:pk>/questionnaire/<str:kind>.pdf",
        offline_views.questionnaire_pdf,
        name="questionnaire_pdf",
    ),
    path("assessments/<int:pk>/prefill/", offline_views.prefill, name="prefill"),
    path(
        "assessments/<int:pk>/domains/<str:code>/prefill/confirm/",
        offline_views.prefill_confirm,
        name="prefill_confirm",
    ),
    path("frameworks/upload/", cycle_views.framework_upload, name="framework_upload"),
]
