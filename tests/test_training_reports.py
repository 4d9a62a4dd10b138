"""Training reports (KB-11): the figures against the data, the Excel export, who may see whom,
extra attempts, and the training coverage of the position map."""
import io
from datetime import timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from knowledge.models import Dimension
from maps import services as maps
from maps.models import PositionRequirement
from portal.models import Department, Position, UserProfile
from search import index
from training.models import Enrollment, StepProgress, TrainingStep
from training.services import progress as learning
from training.services import reports
from training.services.assignments import sync_user

from .factories import add_article, add_path, make_user, question

pytestmark = pytest.mark.django_db


def answers(attempt, right):
    chosen = {}
    for q in attempt.questions:
        chosen[q["id"]] = [c["id"] for c in q["choices"] if c["correct"] == right][:1]
    return chosen


def take_quiz(enrollment, step, right):
    learning.open_step(enrollment, step)
    attempt = learning.start_attempt(enrollment, step)
    return learning.submit_attempt(attempt, answers(attempt, right))


def read(enrollment, step):
    learning.open_step(enrollment, step)
    learning.confirm_step(enrollment, step)


def person(username, department, position=None, manager=None):
    user = make_user(username)
    UserProfile.objects.create(user=user, department=department, position=position, manager=manager)
    return user


@pytest.fixture
def org(portal):
    """Two departments (研发部 with 发动机科 below it, and 财务部), two positions, four learners:

    - alice (研发部, 工程师): read step 1 of 入职培训, failed its quiz twice (out of attempts), 5 days overdue
    - bob (发动机科, 工程师): read step 1, failed the quiz once, then passed: completed
    - carol (财务部, 会计, reports to lead): 入职培训 not started; 财务制度 completed
    - dave (财务部, 会计): passed the quiz at the first try, step 1 not read; 财务制度 not started
    """
    today = timezone.localdate()
    rd = Department.objects.create(name="研发部", code="rd")
    engine = Department.objects.create(name="发动机科", code="engine", parent=rd)
    finance = Department.objects.create(name="财务部", code="fin")
    engineer = Position.objects.create(name="工程师", code="eng", department=rd)
    accountant = Position.objects.create(name="会计", code="acct", department=finance)
    head_rd, head_fin, lead = make_user("head_rd"), make_user("head_fin"), make_user("lead")
    rd.head, finance.head = head_rd, head_fin
    rd.save()
    finance.save()
    UserProfile.objects.create(user=head_rd, department=rd)
    users = {
        "alice": person("alice", rd, engineer, manager=head_rd),
        "bob": person("bob", engine, engineer),
        "carol": person("carol", finance, accountant, manager=lead),
        "dave": person("dave", finance, accountant),
    }
    rules = add_article(portal.research, "员工守则", portal.users.editor)
    safety = add_article(portal.research, "安全规范", portal.users.editor)
    onboarding = add_path("入职培训", [
        {"kind": "article", "page": rules},
        {"kind": "article", "page": safety, "title": "安全测验", "pass_mark": 100, "max_attempts": 2,
         "quiz": [question("灭火器放在哪里？", [("走廊", True), ("仓库", False)])]},
        {"kind": "link", "url": "https://intranet.example.com/video", "title": "视频", "required": False},
    ], assignments=[
        {"target_type": "position", "position": engineer, "due_date": today - timedelta(days=5)},
        {"target_type": "position", "position": accountant, "due_date": today + timedelta(days=30)},
    ])
    policy = add_path("财务制度", [{"kind": "article", "page": rules}],
                      assignments=[{"target_type": "department", "department": finance}])
    for user in users.values():
        sync_user(user)  # what the profile signal does once the transaction commits
    s1, s2, _video = onboarding.steps.all()
    e = {(u, p.title): Enrollment.objects.get(user=users[u], path=p)
         for u in users for p in (onboarding, policy) if Enrollment.objects.filter(user=users[u], path=p).exists()}
    read(e["alice", "入职培训"], s1)
    take_quiz(e["alice", "入职培训"], s2, right=False)
    take_quiz(e["alice", "入职培训"], s2, right=False)
    read(e["bob", "入职培训"], s1)
    take_quiz(e["bob", "入职培训"], s2, right=False)
    take_quiz(e["bob", "入职培训"], s2, right=True)
    read(e["carol", "财务制度"], policy.steps.get())
    take_quiz(e["dave", "入职培训"], s2, right=True)
    # Reading time as the clock would have counted it.
    StepProgress.objects.update(seconds_spent=0)
    StepProgress.objects.filter(enrollment=e["alice", "入职培训"], step=s1).update(seconds_spent=600)
    StepProgress.objects.filter(enrollment=e["alice", "入职培训"], step=s2).update(seconds_spent=300)
    return {
        "portal": portal, "today": today, "rd": rd, "engine": engine, "finance": finance,
        "engineer": engineer, "accountant": accountant, "head_rd": head_rd, "head_fin": head_fin, "lead": lead,
        "users": users, "onboarding": onboarding, "policy": policy, "steps": (s1, s2), "enrollments": e,
        "rules": rules, "safety": safety,
    }


def figures(viewer, **filters):
    return reports.build_report(reports.scope(viewer), reports.Filters(**filters))


def completion(rows):
    return {r.label: (r.enrolled, r.completed, r.in_progress, r.not_started, r.overdue, r.percent) for r in rows}


def test_report_figures_match_the_data(org):
    report = figures(org["portal"].users.manager)
    assert sorted(p.enrollment.pk for p in report.people) == sorted(e.pk for e in org["enrollments"].values())
    assert len(report.people) == 6
    assert completion(report.departments) == {
        "研发部": (1, 0, 1, 0, 1, 0),
        "发动机科": (1, 1, 0, 0, 0, 100),
        "财务部": (4, 1, 1, 2, 0, 25),
    }
    assert completion(report.positions) == {"工程师": (2, 1, 1, 0, 1, 50), "会计": (4, 1, 1, 2, 0, 25)}
    assert (report.total.enrolled, report.total.completed, report.total.overdue) == (6, 2, 1)

    rows = {(p.user.username, p.enrollment.path.title): p for p in report.people}
    assert {key: (p.percent, p.avg_score, p.minutes, p.overdue) for key, p in rows.items()} == {
        ("alice", "入职培训"): (50, 0, 15, True),
        ("bob", "入职培训"): (100, 100, 0, False),
        ("carol", "入职培训"): (0, None, 0, False),
        ("carol", "财务制度"): (100, None, 0, False),
        ("dave", "入职培训"): (50, 100, 0, False),
        ("dave", "财务制度"): (0, None, 0, False),
    }
    assert rows["bob", "入职培训"].enrollment.completed_at is not None

    # Best scores 0 (alice), 100 (bob), 100 (dave); first attempts: only dave's passed.
    assert (report.quiz.scored, report.quiz.average) == (3, 66.7)
    assert (report.quiz.first_tries, report.quiz.first_passes, report.quiz.first_pass_percent) == (3, 1, 33)

    [overdue] = report.overdue
    assert (overdue.user.username, overdue.days_overdue, overdue.manager) == ("alice", 5, org["head_rd"])

    [quiz_step] = report.steps
    assert quiz_step.step == org["steps"][1]
    assert (quiz_step.attempts, quiz_step.failed, quiz_step.failure_percent, quiz_step.learners,
            quiz_step.exhausted) == (5, 3, 60, 3, 1)


def test_filters_by_path_and_department(org):
    manager = org["portal"].users.manager
    by_path = figures(manager, path=org["policy"])
    assert {(p.user.username, p.enrollment.path.title) for p in by_path.people} == {("carol", "财务制度"),
                                                                                    ("dave", "财务制度")}
    assert completion(by_path.departments) == {"财务部": (2, 1, 0, 1, 0, 50)}
    assert by_path.steps == [] and by_path.quiz.scored == 0
    # A department includes the departments below it.
    by_department = figures(manager, department=org["rd"])
    assert {p.user.username for p in by_department.people} == {"alice", "bob"}
    assert by_department.quiz.first_tries == 2
    client_filters = reports.read_filters({"path": str(org["policy"].pk), "department": "junk"})
    assert client_filters.path == org["policy"] and client_filters.department is None


def test_a_failed_learner_recovers_with_an_extra_attempt(org, client_for):
    alice_progress = StepProgress.objects.get(enrollment=org["enrollments"]["alice", "入职培训"],
                                              step=org["steps"][1])
    url = reverse("training:extra_attempt", args=[alice_progress.pk])
    assert client_for(org["users"]["alice"]).post(url).status_code == 403
    assert client_for(org["head_rd"]).post(url).status_code == 403  # a head sees, but does not grant
    client = client_for(org["portal"].users.manager)
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("training:person",
                                                                          args=[org["users"]["alice"].pk])
    alice_progress.refresh_from_db()
    assert alice_progress.extra_attempts == 1 and learning.attempts_left(alice_progress) == 1
    assert figures(org["portal"].users.manager).steps[0].exhausted == 0
    # Passed steps need no extra attempt.
    bob_progress = StepProgress.objects.get(enrollment=org["enrollments"]["bob", "入职培训"], step=org["steps"][1])
    client.post(reverse("training:extra_attempt", args=[bob_progress.pk]))
    bob_progress.refresh_from_db()
    assert bob_progress.extra_attempts == 0


def test_report_pages_and_excel_for_a_knowledge_manager(org, client_for):
    client = client_for(org["portal"].users.manager)
    page = client.get(reverse("training:reports"))
    html = page.content.decode()
    assert page.status_code == 200
    assert all(f'data-user="{name}"' in html for name in org["users"])
    assert "completion-chart" in html and "vendor/echarts/echarts.min.js" in html
    assert "安全测验" in html  # the difficult step

    response = client.get(reverse("training:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and ".xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    with translation.override("zh-hans"):
        names = [gettext(n) for n in ("By department", "By position", "By person", "Overdue", "Difficult steps")]
        headers = [gettext(h) for h in ("Department", "Enrolled", "Completed", "In progress", "Not started",
                                        "Overdue", "Completion")]
    assert book.sheetnames == names
    by_department = book[names[0]]
    assert [c.value for c in by_department[1]] == headers
    rows = {r[0]: r[1:] for r in by_department.iter_rows(min_row=2, values_only=True)}
    assert rows == {"发动机科": (1, 1, 0, 0, 0, 1), "研发部": (1, 0, 1, 0, 1, 0), "财务部": (4, 1, 1, 2, 0, 0.25)}
    assert by_department["G2"].number_format == "0%"
    assert {r[0]: r[1:] for r in book[names[1]].iter_rows(min_row=2, values_only=True)} == {
        "会计": (4, 1, 1, 2, 0, 0.25), "工程师": (2, 1, 1, 0, 1, 0.5)}
    people = {(r[1], r[4]): r for r in book[names[2]].iter_rows(min_row=2, values_only=True)}
    assert len(people) == 6
    alice = people["alice", "入职培训"]
    assert alice[2:4] == ("研发部", "工程师") and alice[6] == 0.5 and alice[7].date() == org["today"] - timedelta(5)
    assert (alice[8], alice[9], alice[10], alice[11]) == (5, None, 0, 15)
    bob = people["bob", "入职培训"]
    assert bob[6] == 1 and bob[8] is None and bob[9] is not None and bob[10] == 100
    overdue = list(book[names[3]].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1], r[2], r[3], r[5], r[6]) for r in overdue] == [("alice", "研发部", "入职培训", 0.5, 5, "head_rd")]
    steps = list(book[names[4]].iter_rows(min_row=2, values_only=True))
    assert steps == [("入职培训", "安全测验", 5, 3, 0.6, 3, 1)]


def test_a_learner_sees_only_their_own_results(org, client_for):
    alice, bob = org["users"]["alice"], org["users"]["bob"]
    client = client_for(alice)
    assert client.get(reverse("training:reports")).status_code == 403
    assert client.get(reverse("training:export")).status_code == 403
    assert client.get(reverse("training:person", args=[bob.pk])).status_code == 404
    own = client.get(reverse("training:person", args=[alice.pk]))
    html = own.content.decode()
    assert own.status_code == 200 and "入职培训" in html and "安全测验" in html
    assert "extra-attempt" not in html  # no button for the learner
    assert reports.scope(org["portal"].users.reader).allowed is False
    assert client_for(org["portal"].users.reader).get(reverse("training:person", args=[alice.pk])).status_code == 404


def test_a_department_head_sees_only_their_departments(org, client_for):
    head = org["head_rd"]
    client = client_for(head)
    page = client.get(reverse("training:reports"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-user="alice"' in html and 'data-user="bob"' in html  # bob: in a sub-department
    assert 'data-user="carol"' not in html and 'data-user="dave"' not in html and "财务部" not in html
    report = page.context["report"]
    assert completion(report.departments) == {"研发部": (1, 0, 1, 0, 1, 0), "发动机科": (1, 1, 0, 0, 0, 100)}
    assert report.quiz.first_tries == 2
    # Filtering on another department shows nothing of it.
    other = client.get(reverse("training:reports"), {"department": org["finance"].pk}).context["report"]
    assert other.people == []

    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("training:export")).content))
    people = {r[1] for sheet in book.worksheets[2:3] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert people == {"alice", "bob"}
    departments = {r[0] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert departments == {"研发部", "发动机科"}

    assert client.get(reverse("training:person", args=[org["users"]["bob"].pk])).status_code == 200
    assert client.get(reverse("training:person", args=[org["users"]["carol"].pk])).status_code == 404


def test_a_manager_sees_direct_reports(org, client_for):
    client = client_for(org["lead"])
    report = client.get(reverse("training:reports")).context["report"]
    assert {(p.user.username, p.enrollment.path.title) for p in report.people} == {("carol", "入职培训"),
                                                                                   ("carol", "财务制度")}
    assert client.get(reverse("training:person", args=[org["users"]["carol"].pk])).status_code == 200
    assert client.get(reverse("training:person", args=[org["users"]["dave"].pk])).status_code == 404


def test_person_page_step_by_step(org, client_for):
    alice = org["users"]["alice"]
    page = client_for(org["portal"].users.manager).get(reverse("training:person", args=[alice.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    [(state, steps)] = page.context["paths"]
    assert state.enrollment.path == org["onboarding"] and state.percent == 50
    reading, quiz, video = steps
    assert reading.state.state == "done" and quiz.state.state == "failed" and video.state.state == "todo"
    assert [a.score for a in quiz.attempts] == [0, 0] and (quiz.allowed, quiz.left) == (2, 0)
    assert quiz.can_have_more and not reading.can_have_more
    assert reverse("training:extra_attempt", args=[quiz.state.progress.pk]) in html


def test_position_map_shows_training_coverage(org, client_for):
    portal = org["portal"]
    products = Dimension.objects.create(name="产品线", slug="products")
    engines, chassis = products.node_from_path(["发动机"]), products.node_from_path(["底盘"])
    secret = add_article(portal.finance, "成本核算", portal.users.accountant, nodes=[chassis])
    filed = add_article(portal.research, "发动机原理", portal.users.editor, nodes=[engines])
    for page in (org["rules"], org["safety"], secret, filed):
        index.update_object(page.__class__.objects.get(pk=page.pk))
    # 财务制度 gets a step on the restricted article; 入职培训 one on the article filed under 发动机.
    policy, onboarding = org["policy"], org["onboarding"]
    TrainingStep.objects.create(path=onboarding, kind="article", page=filed, required=False)
    TrainingStep.objects.create(path=policy, kind="article", page=secret, required=False)
    safety_key = f"knowledge.articlepage:{org['safety'].pk}"
    PositionRequirement.objects.create(position=org["engineer"], node=engines)
    PositionRequirement.objects.create(position=org["engineer"], item_key=safety_key)
    PositionRequirement.objects.create(position=org["accountant"], node=chassis)

    def rows_for(user):
        topics, rows = maps.position_rows(user)
        return {row.position.name: row for row in rows}

    manager_rows = rows_for(portal.users.manager)
    engineer = manager_rows["工程师"]
    assert [(c.path.title, c.completed, c.holders) for c in engineer.paths] == [("入职培训", 1, 2)]
    assert {t.key for t, _r, trained in engineer.cells if trained} == {f"n{engines.pk}", safety_key}
    accountant = manager_rows["会计"]
    assert [(c.path.title, c.completed, c.holders) for c in accountant.paths] == [("入职培训", 0, 2)]
    # 入职培训 covers the same topics for 会计; 财务制度 (on 底盘) is assigned to the department, not
    # the position, so 底盘 is not covered.
    assert {t.key for t, _r, trained in accountant.cells if trained} == {f"n{engines.pk}", safety_key}

    # Readers see the paths but nobody's results; coverage counts only what they may read.
    reader_rows = rows_for(portal.users.reader)
    assert [(c.path.title, c.holders) for c in reader_rows["工程师"].paths] == [("入职培训", None)]
    head_rows = rows_for(org["head_rd"])
    assert [(c.completed, c.holders) for c in head_rows["工程师"].paths] == [(1, 2)]
    assert [(c.completed, c.holders) for c in head_rows["会计"].paths] == [(0, 0)]

    html = client_for(portal.users.manager).get(reverse("maps:positions")).content.decode()
    assert "入职培训" in html and "1/2" in html and " trained" in html
    reader_html = client_for(portal.users.reader).get(reverse("maps:positions")).content.decode()
    assert "入职培训" in reader_html and "1/2" not in reader_html


def test_position_coverage_is_permission_aware(org):
    portal = org["portal"]
    products = Dimension.objects.create(name="产品线", slug="products")
    chassis = products.node_from_path(["底盘"])
    secret = add_article(portal.finance, "成本核算", portal.users.accountant, nodes=[chassis])
    index.update_object(secret.__class__.objects.get(pk=secret.pk))
    TrainingStep.objects.create(path=org["onboarding"], kind="article", page=secret, required=False)
    PositionRequirement.objects.create(position=org["accountant"], node=chassis)

    def trained(user):
        _topics, rows = maps.position_rows(user)
        row = next(r for r in rows if r.position == org["accountant"])
        return {t.key for t, _r, covered in row.cells if covered}

    assert trained(portal.users.accountant) == {f"n{chassis.pk}"}
    assert trained(portal.users.reader) == set()  # the restricted article is not theirs to see


def test_report_queries_do_not_grow_with_people(org, django_assert_max_num_queries):
    scope = reports.scope(org["portal"].users.manager)
    with django_assert_max_num_queries(10):
        report = reports.build_report(scope, reports.Filters())
        reports.workbook(report)
    assert len(report.people) == 6

