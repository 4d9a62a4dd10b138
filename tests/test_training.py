"""Training paths (KB-11): design with quizzes, assignment, progress, quizzes, the learner's views."""
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from personal.models import ReadRecord
from search import index
from portal.models import Department, Notification, Position, UserProfile
from training.models import Enrollment, QuizAttempt, StepProgress, TrainingPath
from training.services import progress as learning
from training.services.assignments import sync_user
from training.services.progress import TrainingError

from .factories import add_article, add_path, make_user, question

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(portal):
    research = Department.objects.create(name="研究院", code="rd")
    lab = Department.objects.create(name="试验室", code="lab", parent=research)
    sales = Department.objects.create(name="销售部", code="sales")
    tester = Position.objects.create(name="试验工程师", code="tester", department=lab)
    seller = Position.objects.create(name="销售代表", code="seller", department=sales)
    article = add_article(portal.research, "试验安全规范", portal.users.editor)
    other = add_article(portal.research, "试验报告模板", portal.users.editor)
    for page in (article, other):
        index.update_object(page)  # what the worker does after the publish
    return portal, research, lab, sales, tester, seller, article, other


def quiz_bank():
    return [
        question("试验前必须检查什么？", [("安全装置", True), ("午餐", False), ("天气", False)]),
        question("哪些属于防护用品？", [("护目镜", True), ("手套", True), ("耳机", False)], kind="multiple"),
        question("可以单人进行高压试验", False, kind="true_false"),
    ]


def answers(attempt, right=True):
    """Answer every question of an attempt right, or every one wrong."""
    chosen = {}
    for q in attempt.questions:
        good = [c["id"] for c in q["choices"] if c["correct"]]
        bad = [c["id"] for c in q["choices"] if not c["correct"]]
        chosen[q["id"]] = good if right else bad[:1]
    return chosen


def onboarding(org, **step_fields):
    portal, research, lab, sales, tester, seller, article, other = org
    return add_path("试验工程师入职培训", [
        {"kind": "article", "page": article, "estimated_minutes": 20, "quiz": quiz_bank(), "pass_mark": 100,
         "max_attempts": 2, **step_fields},
        {"kind": "article", "page": other, "estimated_minutes": 10},
        {"kind": "link", "url": "https://intranet.example.com/video/1", "title": "安全视频", "required": False},
    ], assignments=[{"target_type": "position", "position": tester, "due_days": 30}])


def hire(username, position=None, department=None, manager=None):
    user = make_user(username)
    UserProfile.objects.create(user=user, position=position, department=department, manager=manager)
    sync_user(user)  # what the profile signal does once the transaction commits
    return user


# --- Design ------------------------------------------------------------------------------------

def _list_block(items):
    data = {"count": str(len(items))}
    for number, item in enumerate(items):
        data[str(number)] = {"value": item, "deleted": "", "order": str(number), "id": ""}
    return data


def _admin_path_data(choices, kind="single", action="action-publish"):
    data = nested_form_data({
        "title": "新员工 IT 入门",
        "summary": "账号、邮箱、VPN",
        "department": "",
        "content_owner": "",
        "steps": inline_formset([{
            "kind": "link", "title": "IT 手册", "url": "https://it.example.com/handbook", "instructions": "",
            "estimated_minutes": "15", "required": "on", "quiz_draw": "1", "pass_mark": "100",
            "max_attempts": "3", "page": "", "document": "", "faq_node": "", "anthology": "",
            "quiz": streamfield([("question", {
                "kind": kind, "text": "VPN 密码多久更换一次？", "explanation": "见手册第 3 章",
                "choices": _list_block([{"text": text, "correct": "on" if correct else ""}
                                        for text, correct in choices]),
            })]),
        }]),
        "assignments": inline_formset([]),
    })
    data[action] = "1"
    return data


def test_manager_designs_a_path_with_a_quiz_in_the_admin(org, client_for):
    portal = org[0]
    client = client_for(portal.users.manager)
    assert client.get("/admin/snippets/training/trainingpath/add/").status_code == 200
    data = _admin_path_data([("90 天", True), ("一年", False)])
    response = client.post("/admin/snippets/training/trainingpath/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    path = TrainingPath.objects.get(title="新员工 IT 入门")
    assert path.live
    step = path.steps.get()
    assert step.has_quiz and step.questions_per_attempt == 1
    assert step.quiz[0].value["text"] == "VPN 密码多久更换一次？"
    assert [c["correct"] for c in step.quiz[0].value["choices"]] == [True, False]
    # Versions: the publish made a revision, so the admin's history has it.
    assert path.revisions.count() == 1
    assert client.get(f"/admin/snippets/training/trainingpath/history/{path.pk}/").status_code == 200


def test_a_single_choice_question_needs_exactly_one_correct_choice(org, client_for):
    client = client_for(org[0].users.manager)
    response = client.post("/admin/snippets/training/trainingpath/add/",
                           _admin_path_data([("90 天", True), ("一年", True)]))
    assert response.status_code == 200
    page = response.content.decode()
    # The admin hands block errors to its JavaScript as JSON, where Chinese is \u-escaped.
    message = str(_("A single-choice question has exactly one correct choice."))
    assert message in page or json.dumps(message)[1:-1] in page
    assert not TrainingPath.objects.exists()


def test_readers_cannot_design_paths(org, client_for):
    client = client_for(org[0].users.editor)
    assert client.get("/admin/snippets/training/trainingpath/add/").status_code in {302, 403}
    assert client.post("/admin/snippets/training/trainingpath/add/",
                       _admin_path_data([("90 天", True), ("一年", False)])).status_code in {302, 403}
    assert not TrainingPath.objects.exists()


def test_a_step_must_point_at_something_and_cannot_draw_more_questions_than_it_has(org):
    from django.core.exceptions import ValidationError

    from training.models import TrainingStep

    with pytest.raises(ValidationError) as error:
        TrainingStep(kind="article", estimated_minutes=5).clean()
    assert "page" in error.value.message_dict
    step = TrainingStep(kind="link", url="https://x.example.com", quiz=quiz_bank()[:1], quiz_draw=2)
    with pytest.raises(ValidationError) as error:
        step.clean()
    assert "quiz_draw" in error.value.message_dict


# --- Assignment ----------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_a_new_hire_gets_the_paths_of_their_position_automatically(org):
    portal, research, lab, sales, tester, seller, article, other = org
    path = onboarding(org)
    sales_path = add_path("销售入门", [{"kind": "article", "page": other}],
                          assignments=[{"target_type": "position", "position": seller}])
    newbie = make_user("newbie")
    UserProfile.objects.create(user=newbie, position=tester)  # the signal enrolls after commit
    enrollment = Enrollment.objects.get(user=newbie)
    assert enrollment.path == path
    assert enrollment.due_date == timezone.localdate() + timedelta(days=30)
    assert Notification.objects.filter(user=newbie, verb="training_assigned").count() == 1

    # A move to sales: the new position's path comes; the untouched old one is withdrawn.
    profile = newbie.profile
    profile.position = seller
    profile.save()
    assert set(Enrollment.objects.filter(user=newbie, withdrawn_at=None).values_list("path", flat=True)) == {
        sales_path.pk}
    # Moving back brings the same enrollment back, not a second one.
    profile.position = tester
    profile.save()
    assert Enrollment.objects.filter(user=newbie, path=path).count() == 1
    assert Enrollment.objects.get(user=newbie, path=path).withdrawn_at is None


def test_a_started_path_is_kept_when_the_assignment_no_longer_applies(org):
    portal, research, lab, sales, tester, seller, article, other = org
    path = onboarding(org)
    learner = hire("learner", tester)
    enrollment = Enrollment.objects.get(user=learner, path=path)
    learning.open_step(enrollment, path.steps.all()[1])
    learner.profile.position = seller
    learner.profile.save()
    sync_user(learner)
    enrollment.refresh_from_db()
    assert enrollment.withdrawn_at is None


def test_department_assignment_covers_sub_departments_and_groups_count(org):
    portal, research, lab, sales, tester, seller, article, other = org
    group = Group.objects.create(name="新员工")
    by_department = add_path("研究院通识", [{"kind": "article", "page": article}],
                             assignments=[{"target_type": "department", "department": research,
                                           "due_date": timezone.localdate() + timedelta(days=10)}])
    by_group = add_path("公司介绍", [{"kind": "article", "page": other}],
                        assignments=[{"target_type": "group", "group": group}])
    in_lab = hire("labmate", department=lab)
    in_sales = hire("seller1", department=sales)
    assert Enrollment.objects.get(user=in_lab).path == by_department
    assert Enrollment.objects.get(user=in_lab).due_date == timezone.localdate() + timedelta(days=10)
    assert not Enrollment.objects.filter(user=in_sales).exists()
    in_sales.groups.add(group)
    sync_user(in_sales)
    assert Enrollment.objects.get(user=in_sales).path == by_group


def test_a_draft_or_archived_path_enrolls_nobody(org):
    portal, research, lab, sales, tester, seller, article, other = org
    draft = add_path("草稿路径", [{"kind": "article", "page": article}],
                     assignments=[{"target_type": "position", "position": tester}], publish=False)
    learner = hire("learner", tester)
    assert not Enrollment.objects.filter(user=learner).exists()
    draft.save_revision().publish()
    sync_user(learner)
    assert Enrollment.objects.filter(user=learner, path=draft).exists()
    draft.archived = True
    draft.save_revision().publish()
    sync_user(learner)
    assert Enrollment.objects.get(user=learner).withdrawn_at is not None


# --- Progress ------------------------------------------------------------------------------------

def test_a_step_without_quiz_is_done_when_confirmed_after_opening(org):
    path = onboarding(org)
    learner = hire("learner", org[4])
    enrollment = Enrollment.objects.get(user=learner)
    step = path.steps.all()[1]
    with pytest.raises(TrainingError):
        learning.confirm_step(enrollment, step)
    progress = learning.open_step(enrollment, step)
    StepProgress.objects.filter(pk=progress.pk).update(last_opened_at=timezone.now() - timedelta(minutes=7))
    progress = learning.confirm_step(enrollment, step)
    assert progress.completed_at is not None
    assert 7 * 60 <= progress.seconds_spent < 8 * 60
    learning.confirm_step(enrollment, step)  # a second click changes nothing
    assert StepProgress.objects.get(pk=progress.pk).seconds_spent == progress.seconds_spent
    state = learning.path_state(Enrollment.objects.get(pk=enrollment.pk))
    assert (state.done_count, len(state.required), state.percent) == (1, 2, 50)
    assert state.next_step.step == path.steps.all()[0]
    assert state.minutes_left == 20
    # Opening records a read too, so the person map knows.
    assert not enrollment.completed_at


def test_a_reading_session_counts_at_most_the_cap(org, settings):
    path = onboarding(org)
    learner = hire("learner", org[4])
    enrollment = Enrollment.objects.get(user=learner)
    step = path.steps.all()[1]
    progress = learning.open_step(enrollment, step)
    StepProgress.objects.filter(pk=progress.pk).update(last_opened_at=timezone.now() - timedelta(days=2))
    assert learning.confirm_step(enrollment, step).seconds_spent == learning.MAX_SECONDS_PER_OPENING


def test_quiz_scoring_attempt_limits_and_completion(org):
    path = onboarding(org)
    learner = hire("learner", org[4])
    enrollment = Enrollment.objects.get(user=learner)
    quiz_step, reading, link = path.steps.all()
    with pytest.raises(TrainingError):
        learning.start_attempt(enrollment, quiz_step)  # read first
    learning.open_step(enrollment, quiz_step)
    attempt = learning.start_attempt(enrollment, quiz_step)
    assert learning.start_attempt(enrollment, quiz_step).pk == attempt.pk  # a reload draws nothing new
    assert len(attempt.questions) == 3
    # Multiple choice is all or nothing: one of two right answers is wrong.
    chosen = answers(attempt)
    multiple = next(q for q in attempt.questions if q["kind"] == "multiple")
    chosen[multiple["id"]] = chosen[multiple["id"]][:1]
    with pytest.raises(TrainingError):
        learning.submit_attempt(attempt, {})  # unanswered
    attempt = learning.submit_attempt(attempt, chosen)
    assert (attempt.score, attempt.passed) == (67, False)
    with pytest.raises(TrainingError):
        learning.submit_attempt(attempt, answers(attempt))  # the same attempt twice
    assert QuizAttempt.objects.get(pk=attempt.pk).score == 67

    second = learning.start_attempt(enrollment, quiz_step)
    learning.submit_attempt(second, answers(second, right=False))
    progress = StepProgress.objects.get(enrollment=enrollment, step=quiz_step)
    assert progress.best_score == 67 and progress.completed_at is None
    assert learning.attempts_left(progress) == 0
    with pytest.raises(TrainingError):
        learning.start_attempt(enrollment, quiz_step)
    assert learning.path_state(enrollment).steps[0].state == "failed"

    learning.grant_extra_attempt(progress)
    third = learning.start_attempt(enrollment, quiz_step)
    third = learning.submit_attempt(third, answers(third))
    assert (third.score, third.passed) == (100, True)
    learning.open_step(enrollment, reading)
    learning.confirm_step(enrollment, reading)
    enrollment.refresh_from_db()
    assert enrollment.completed_at is not None  # the optional link step does not hold it back
    assert learning.path_state(enrollment).percent == 100


def test_questions_are_drawn_at_random_and_kept_with_the_attempt(org):
    path = onboarding(org, quiz_draw=2, max_attempts=0)
    learner = hire("learner", org[4])
    enrollment = Enrollment.objects.get(user=learner)
    step = path.steps.all()[0]
    learning.open_step(enrollment, step)
    drawn = set()
    for _round in range(12):
        attempt = learning.start_attempt(enrollment, step)
        assert len(attempt.questions) == 2
        drawn.update(q["id"] for q in attempt.questions)
        learning.submit_attempt(attempt, answers(attempt, right=False))
    assert drawn == {block.id for block in step.quiz}  # every question came up at some point
    assert learning.attempts_left(StepProgress.objects.get(enrollment=enrollment, step=step)) is None
    # Editing the bank later does not change a past attempt's questions.
    text_before = attempt.questions[0]["text"]
    path.steps.filter(pk=step.pk).update(quiz=[])
    assert QuizAttempt.objects.get(pk=attempt.pk).questions[0]["text"] == text_before


# --- The learner's pages ------------------------------------------------------------------------

def test_learner_follows_a_path_through_the_pages(org, client_for):
    path = onboarding(org)
    learner = hire("learner", org[4])
    enrollment = Enrollment.objects.get(user=learner)
    quiz_step, reading, link = path.steps.all()
    client = client_for(learner)
    page = client.get("/training/").content.decode()
    assert "试验工程师入职培训" in page and "0%" in page
    assert client.get(f"/training/{enrollment.pk}/").status_code == 200
    # Confirming before opening is refused with a message, and nothing is recorded.
    client.post(f"/training/{enrollment.pk}/steps/{reading.pk}/confirm/")
    assert not StepProgress.objects.filter(enrollment=enrollment, step=reading, completed_at__isnull=False).exists()
    response = client.get(f"/training/{enrollment.pk}/steps/{reading.pk}/open/")
    assert response.status_code == 302 and response["Location"] == org[7].url
    client.get(org[7].url)
    assert ReadRecord.objects.filter(user=learner, key=f"knowledge.articlepage:{org[7].pk}").exists()
    response = client.post(f"/training/{enrollment.pk}/steps/{reading.pk}/confirm/")
    assert response.status_code == 302
    assert response["Location"] == f"/training/{enrollment.pk}/steps/{quiz_step.pk}/"  # the next step

    client.get(f"/training/{enrollment.pk}/steps/{quiz_step.pk}/open/")
    quiz_page = client.get(f"/training/{enrollment.pk}/steps/{quiz_step.pk}/quiz/")
    assert quiz_page.status_code == 200 and "试验前必须检查什么？" in quiz_page.content.decode()
    attempt = QuizAttempt.objects.get(progress__enrollment=enrollment)
    # An incomplete form comes back with what was ticked, and spends no attempt.
    first = attempt.questions[0]
    response = client.post(f"/training/{enrollment.pk}/steps/{quiz_step.pk}/quiz/",
                           {"attempt": attempt.pk, f"q-{first['id']}": first["choices"][0]["id"]})
    assert response.status_code == 200
    assert QuizAttempt.objects.get(pk=attempt.pk).submitted_at is None
    data = {"attempt": attempt.pk}
    for qid, chosen in answers(attempt, right=False).items():
        data[f"q-{qid}"] = chosen
    response = client.post(f"/training/{enrollment.pk}/steps/{quiz_step.pk}/quiz/", data)
    result = client.get(response["Location"]).content.decode()
    assert "0%" in result and "安全装置</strong>" not in result  # correct answers stay hidden
    attempt = learning.start_attempt(enrollment, quiz_step)
    data = {"attempt": attempt.pk}
    for qid, chosen in answers(attempt).items():
        data[f"q-{qid}"] = chosen
    response = client.post(f"/training/{enrollment.pk}/steps/{quiz_step.pk}/quiz/", data)
    result = client.get(response["Location"]).content.decode()
    assert 'id="path-complete"' in result and "安全装置</strong>" in result
    # The path moves to "completed".
    mine = client.get("/training/").content.decode()
    assert 'id="training-completed"' in mine


def test_another_learners_path_steps_and_answers_are_out_of_reach(org, client_for):
    path = onboarding(org)
    learner = hire("learner", org[4])
    nosy = hire("nosy", org[4])
    enrollment = Enrollment.objects.get(user=learner)
    step = path.steps.all()[0]
    learning.open_step(enrollment, step)
    attempt = learning.start_attempt(enrollment, step)
    client = client_for(nosy)
    base = f"/training/{enrollment.pk}/steps/{step.pk}/"
    for url in [f"/training/{enrollment.pk}/", base, base + "open/", base + "quiz/", base + f"quiz/{attempt.pk}/"]:
        assert client.get(url).status_code == 404, url
    assert client.post(base + "confirm/").status_code == 404
    assert client.post(base + "quiz/", {"attempt": attempt.pk}).status_code == 404
    # Their own enrollment cannot submit someone else's attempt either.
    own = Enrollment.objects.get(user=nosy)
    learning.open_step(own, step)
    assert client.post(f"/training/{own.pk}/steps/{step.pk}/quiz/", {"attempt": attempt.pk}).status_code == 404
    assert client.post(f"/training/{own.pk}/steps/{step.pk}/quiz/", {"attempt": "1 OR 1=1"}).status_code == 404
    assert QuizAttempt.objects.get(pk=attempt.pk).submitted_at is None
    # The path outline is for its designers.
    assert client.get(f"/training/paths/{path.pk}/").status_code == 302  # to nosy's own enrollment
    assert client_for(org[0].users.reader).get(f"/training/paths/{path.pk}/").status_code == 404
    assert client_for(org[0].users.manager).get(f"/training/paths/{path.pk}/").status_code == 200
    # The way to the reports shows only to those who have someone to report on.
    assert 'id="training-reports-link"' in client_for(org[0].users.manager).get("/training/").content.decode()
    assert 'id="training-reports-link"' not in client_for(nosy).get("/training/").content.decode()


def test_a_step_whose_item_the_learner_may_not_read_says_so(org, client_for):
    portal = org[0]
    secret = add_article(portal.finance, "预算编制办法", portal.users.accountant)
    index.update_object(secret)
    path = add_path("财务入门", [{"kind": "article", "page": secret}],
                    assignments=[{"target_type": "user", "user": portal.users.reader}])
    sync_user(portal.users.reader)
    enrollment = Enrollment.objects.get(user=portal.users.reader, path=path)
    client = client_for(portal.users.reader)
    page = client.get(f"/training/{enrollment.pk}/steps/{path.steps.get().pk}/").content.decode()
    assert "预算编制办法" not in page
    response = client.get(f"/training/{enrollment.pk}/steps/{path.steps.get().pk}/open/")
    assert response["Location"].endswith(f"/steps/{path.steps.get().pk}/")


def test_a_public_article_is_a_step_every_learner_can_open(org):
    """A public item's catalogue row carries "all public"; colleagues read it like any other."""
    portal = org[0]
    public = add_article(portal.research, "公司简介", portal.users.editor, audience="public")
    index.update_object(public)
    path = add_path("公司介绍", [{"kind": "article", "page": public}],
                    assignments=[{"target_type": "user", "user": portal.users.reader}])
    sync_user(portal.users.reader)
    target = learning.target_for(path.steps.get(), portal.users.reader)
    assert target.readable and target.title == "公司简介"


def test_faq_group_and_anthology_steps(org, client_for):
    """A FAQ group is read on the step page itself; an anthology step covers its items."""
    from faq.services.entries import create_entry
    from knowledge.models import Dimension
    from personal.models import Anthology, AnthologyItem

    portal, research, lab, sales, tester, seller, article, other = org
    node = Dimension.objects.create(name="分类", slug="category").node_from_path(["客户服务", "常见问题"])
    warranty = create_entry(portal.research, portal.users.editor, "货车保修几年？", "<p>整车三年或十万公里。</p>",
                            nodes=[node])
    secret = create_entry(portal.finance, portal.users.accountant, "报销单据怎么贴？", "<p>按类别粘贴。</p>",
                          nodes=[node])
    for entry in (warranty, secret):
        index.update_object(entry)
    anthology = Anthology.objects.create(owner=portal.users.editor, title="试验必读", visibility="everyone")
    AnthologyItem.objects.create(anthology=anthology, key=f"knowledge.articlepage:{article.pk}")
    index.update_object(anthology)
    path = add_path("客服入门", [
        {"kind": "faq_group", "faq_node": node, "estimated_minutes": 20},
        {"kind": "anthology", "anthology": anthology},
    ], assignments=[{"target_type": "user", "user": portal.users.reader}])
    faq_step, anthology_step = path.steps.all()
    assert learning.step_keys(anthology_step) == [f"personal.anthology:{anthology.pk}",
                                                  f"knowledge.articlepage:{article.pk}"]
    sync_user(portal.users.reader)
    enrollment = Enrollment.objects.get(user=portal.users.reader)
    page = client_for(portal.users.reader).get(f"/training/{enrollment.pk}/steps/{faq_step.pk}/").content.decode()
    assert "货车保修几年？" in page and "报销单据怎么贴？" not in page  # only what the learner may read
    progress = StepProgress.objects.get(enrollment=enrollment, step=faq_step)
    assert progress.opened_at is not None  # seen here, so it can be confirmed
    assert learning.confirm_step(enrollment, faq_step).completed_at is not None
    target = learning.target_for(anthology_step, portal.users.reader)
    assert target.readable and target.title == "试验必读"


@pytest.mark.django_db(transaction=True)
def test_publishing_a_path_enrolls_the_people_it_names_and_archiving_withdraws_them(org):
    portal, research, lab, sales, tester, seller, article, other = org
    veteran = make_user("veteran")
    UserProfile.objects.create(user=veteran, department=lab)
    path = add_path("研究院通识", [{"kind": "article", "page": article}],
                    assignments=[{"target_type": "department", "department": research}])
    assert Enrollment.objects.get(user=veteran, path=path).withdrawn_at is None
    path.archived = True
    path.save_revision().publish()
    assert Enrollment.objects.get(user=veteran, path=path).withdrawn_at is not None
