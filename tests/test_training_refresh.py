"""Refreshers (KB-11): a significant new version of a required item asks the learners who
completed it to re-read it; completing the step again ends the request."""
import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from faq.services.entries import create_entry
from knowledge.changes import significant_change
from knowledge.models import ArticlePage, DocumentVersion, KnowledgeDocument
from personal.models import Anthology, AnthologyItem
from personal.services.items import key_of
from portal.models import Notification
from training.models import Enrollment, StepProgress
from training.services import progress as svc

from . import files
from .factories import add_article, add_document, add_path, make_user, question


@pytest.fixture
def enroll(django_capture_on_commit_callbacks):
    """A published path assigned to ``users`` (enrollment runs after commit)."""

    def make(title, steps, users, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            path = add_path(title, steps, assignments=[{"target_type": "user", "user": u} for u in users], **fields)
        return path, [Enrollment.objects.get(user=u, path=path) for u in users]

    return make


def complete(enrollment, step):
    svc.open_step(enrollment, step)
    return svc.confirm_step(enrollment, step)


def progress_of(enrollment, step):
    return StepProgress.objects.filter(enrollment=enrollment, step=step).first()


def publish_significant(page, user=None):
    page = type(page).objects.get(pk=page.pk)
    page.significant_change = True
    revision = page.save_revision(user=user, log_action=True)
    # Live as after its review: space editors no longer publish themselves (test_review.py).
    revision.publish(user=user, skip_permission_checks=True)
    return revision


def refresh_notices(user=None):
    notices = Notification.objects.filter(verb="training_refresh")
    return notices.filter(user=user) if user is not None else notices


@pytest.fixture
def article_path(portal, enroll):
    article = add_article(portal.research, "安全生产规程", portal.users.editor)
    other = add_article(portal.research, "食堂菜单", portal.users.editor)
    done, reading = make_user("done"), make_user("reading")
    path, (e_done, e_reading) = enroll("安全培训", [
        {"kind": "article", "page": article},
        {"kind": "article", "page": other, "required": False},
    ], [done, reading])
    step, optional = path.steps.all()
    complete(e_done, step)
    complete(e_done, optional)
    svc.open_step(e_reading, step)  # opened, not completed
    e_done.refresh_from_db()
    assert e_done.completed_at is not None
    return article, other, step, optional, e_done, e_reading


def test_significant_publish_asks_completed_learners_to_reread(portal, article_path):
    article, _other, step, _optional, e_done, e_reading = article_path
    publish_significant(article, portal.users.editor)

    progress = progress_of(e_done, step)
    assert progress.refresh_requested_at is not None and progress.completed_at is not None
    assert "安全生产规程" in progress.refresh_reason  # "《安全生产规程》有重大更新" once translated
    assert progress_of(e_reading, step).refresh_requested_at is None  # never completed: nothing to re-read
    notice = refresh_notices().get()
    assert notice.user == e_done.user
    assert notice.url == reverse("training:step", args=[e_done.pk, step.pk])
    assert "安全生产规程" in notice.title

    e_done.refresh_from_db()
    assert e_done.completed_at is not None  # the path was completed; that stays true
    state = svc.path_state(e_done)
    assert state.needs_refresher and state.next_step.step == step
    # The flag belongs to the revision only: the live page and the next edit start unticked.
    assert ArticlePage.objects.get(pk=article.pk).significant_change is False
    assert ArticlePage.objects.get(pk=article.pk).get_latest_revision_as_object().significant_change is False


def test_ordinary_publish_and_optional_steps_ask_nobody(portal, article_path):
    article, other, _step, _optional, _e_done, _e_reading = article_path
    article = ArticlePage.objects.get(pk=article.pk)
    article.summary = "错别字修正"
    article.save_revision(log_action=True).publish()
    publish_significant(other)  # on the path, but an optional step
    assert not StepProgress.objects.filter(refresh_requested_at__isnull=False).exists()
    assert not refresh_notices().exists()


def test_the_same_revision_published_again_is_no_new_change(portal, article_path):
    article, _other, step, _optional, e_done, _e_reading = article_path
    revision = publish_significant(article)
    complete(e_done, step)  # re-read
    assert progress_of(e_done, step).refresh_requested_at is None

    revision.publish()  # e.g. republished after an unpublish
    assert progress_of(e_done, step).refresh_requested_at is None
    assert refresh_notices().count() == 1

    later = ArticlePage.objects.get(pk=article.pk)  # a later edit does not inherit the mark
    later.summary = "补充说明"
    later.save_revision(log_action=True).publish()
    assert progress_of(e_done, step).refresh_requested_at is None and refresh_notices().count() == 1


def test_completing_the_step_again_ends_the_refresher(portal, article_path):
    article, _other, step, _optional, e_done, _e_reading = article_path
    publish_significant(article)
    assert svc.path_state(e_done).needs_refresher
    svc.open_step(e_done, step)
    progress = svc.confirm_step(e_done, step)
    assert progress.refresh_requested_at is None and progress.refresh_reason == ""
    e_done.refresh_from_db()
    assert not svc.path_state(e_done).needs_refresher and e_done.completed_at is not None


def test_passing_the_quiz_again_ends_the_refresher(portal, enroll):
    article = add_article(portal.research, "消防演练", portal.users.editor)
    learner = make_user("learner")
    path, (enrollment,) = enroll("消防", [
        {"kind": "article", "page": article, "quiz": [question("灭火器在哪", [("门口", True), ("楼顶", False)])],
         "pass_mark": 100, "max_attempts": 0},
    ], [learner])
    step = path.steps.get()

    def pass_quiz():
        svc.open_step(enrollment, step)
        attempt = svc.start_attempt(enrollment, step)
        answers = {q["id"]: [c["id"] for c in q["choices"] if c["correct"]] for q in attempt.questions}
        assert svc.submit_attempt(attempt, answers).passed

    pass_quiz()
    publish_significant(article)
    assert progress_of(enrollment, step).refresh_requested_at is not None
    pass_quiz()  # the quiz may be taken again while a re-read is asked
    assert progress_of(enrollment, step).refresh_requested_at is None


def test_faq_entry_and_withdrawn_learners(portal, enroll):
    # Published by a knowledge manager: space editors no longer publish (test_review.py).
    entry = create_entry(portal.research, portal.users.manager, "报销时限是多久？", "<p>30 天</p>")
    stays, leaves = make_user("stays"), make_user("leaves")
    path, (e_stays, e_leaves) = enroll("财务制度", [{"kind": "article", "page": entry}], [stays, leaves])
    step = path.steps.get()
    complete(e_stays, step)
    complete(e_leaves, step)
    Enrollment.objects.filter(pk=e_leaves.pk).update(withdrawn_at=e_leaves.assigned_at)

    publish_significant(entry, portal.users.editor)
    assert progress_of(e_stays, step).refresh_requested_at is not None
    assert progress_of(e_leaves, step).refresh_requested_at is None
    assert list(refresh_notices().values_list("user__username", flat=True)) == ["stays"]


def test_unpublished_paths_ask_nobody(portal, enroll):
    article = add_article(portal.research, "旧规程", portal.users.editor)
    learner = make_user("learner")
    path, (enrollment,) = enroll("已归档", [{"kind": "article", "page": article}], [learner])
    complete(enrollment, path.steps.get())
    type(path).objects.filter(pk=path.pk).update(archived=True)
    publish_significant(article)
    assert not refresh_notices().exists()


def edit_data(article, **fields):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

    return nested_form_data({
        "title": article.title, "slug": article.slug, "summary": "", "keywords": "", "audience": "internal",
        "review_interval": "12", "body": streamfield([("paragraph", rich_text("<p>新的正文</p>"))]),
        "attachments": inline_formset([]), "related_links": inline_formset([]), "action-publish": "publish",
        **fields,
    })


def test_editor_ticks_the_box_in_the_admin_and_the_next_edit_starts_unticked(portal, client_for, article_path):
    article, _other, step, _optional, e_done, _e_reading = article_path
    edit = reverse("wagtailadmin_pages:edit", args=[article.pk])
    # Published directly by a knowledge manager: space editors submit for review (test_review.py).
    response = client_for(portal.users.manager).post(edit, edit_data(article, significant_change="on"))
    assert response.status_code == 302, response.content.decode()[:3000]
    article = ArticlePage.objects.get(pk=article.pk)
    assert article.live_revision.content["significant_change"] is True  # the revision keeps its own mark
    assert progress_of(e_done, step).refresh_requested_at is not None

    html = client_for(portal.users.admin).get(edit).content.decode()
    checkbox = re.search(r'<input[^>]*name="significant_change"[^>]*>', html)
    assert checkbox is not None, "the edit form offers the significant change box"
    assert "checked" not in checkbox.group(0)

    complete(e_done, step)
    response = client_for(portal.users.manager).post(edit, edit_data(article, summary="小改动"))
    assert response.status_code == 302
    assert ArticlePage.objects.get(pk=article.pk).live_revision.content["significant_change"] is False
    assert progress_of(e_done, step).refresh_requested_at is None and refresh_notices().count() == 1


def test_significant_change_signal_is_sent_once_per_revision(portal):
    article = add_article(portal.research, "操作规程", portal.users.editor)
    sent = []

    def listener(sender, **kwargs):
        sent.append(kwargs)

    significant_change.connect(listener)
    try:
        revision = publish_significant(article)
        revision.publish()
    finally:
        significant_change.disconnect(listener)
    assert len(sent) == 1
    assert sent[0]["key"] == key_of(article) and sent[0]["title"] == "操作规程"
    assert sent[0]["version"] == f"r{revision.pk}" and sent[0]["url"] == article.url


# --- Documents -------------------------------------------------------------------------------

def new_file(document, content, significant):
    document = KnowledgeDocument.objects.get(pk=document.pk)
    document.significant_change = significant
    document.file.save("规范-新版.txt", ContentFile(content), save=False)
    document.save()
    return document


def test_significant_new_document_version_asks_to_reread(portal, enroll):
    document = add_document(portal.research, "检验规范", "规范.txt", b"v1", portal.users.editor)
    learner, colleague = make_user("learner"), make_user("colleague")
    path, (enrollment, other) = enroll("检验培训", [{"kind": "document", "document": document}], [learner, colleague])
    step = path.steps.get()
    complete(enrollment, step)

    new_file(document, b"v2", significant=False)  # an ordinary new version
    assert progress_of(enrollment, step).refresh_requested_at is None

    document = new_file(document, b"v3", significant=True)
    assert progress_of(enrollment, step).refresh_requested_at is not None
    assert progress_of(other, step) is None
    assert refresh_notices().count() == 1
    assert list(document.versions.order_by("number").values_list("significant", flat=True)) == [False, False, True]
    # The flag is spent: the row, the instance and the next upload start unticked.
    assert document.significant_change is False
    assert KnowledgeDocument.objects.get(pk=document.pk).significant_change is False
    complete(enrollment, step)
    new_file(document, b"v4", significant=False)
    assert progress_of(enrollment, step).refresh_requested_at is None


def test_document_in_an_anthology_step(portal, enroll):
    document = add_document(portal.research, "作业指导书", "指导书.txt", b"v1", portal.users.editor)
    anthology = Anthology.objects.create(owner=portal.users.editor, title="新人必读", visibility="everyone")
    AnthologyItem.objects.create(anthology=anthology, key=key_of(document))
    learner = make_user("learner")
    path, (enrollment,) = enroll("必读", [{"kind": "anthology", "anthology": anthology}], [learner])
    step = path.steps.get()
    complete(enrollment, step)
    new_file(document, b"v2", significant=True)
    assert "作业指导书" in progress_of(enrollment, step).refresh_reason


def test_document_edit_form_carries_the_flag(portal, client_for, enroll):
    document = add_document(portal.research, "试验规范", "试验规范.docx", files.docx("第一版"), portal.users.editor)
    learner = make_user("learner")
    path, (enrollment,) = enroll("试验", [{"kind": "document", "document": document}], [learner])
    step = path.steps.get()
    complete(enrollment, step)

    client = client_for(portal.users.editor)
    edit = reverse("wagtaildocs:edit", args=[document.pk])
    response = client.post(edit, {
        "title": "试验规范", "collection": document.collection_id, "significant_change": "on",
        "file": SimpleUploadedFile("试验规范-修订.docx", files.docx("第二版")),
    })
    assert response.status_code == 302, response.content[:1500]
    assert DocumentVersion.objects.get(document=document, number=2).significant
    assert progress_of(enrollment, step).refresh_requested_at is not None

    html = client.get(edit).content.decode()
    checkbox = re.search(r'<input[^>]*name="significant_change"[^>]*>', html)
    assert checkbox is not None and "checked" not in checkbox.group(0)
