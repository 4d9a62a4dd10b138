"""Demo training paths (KB-11): onboarding for R&D and for service agents, with learners at
different stages so the learner's pages and the managers' reports have something to show."""
import datetime

from django.utils import timezone

from knowledge.models import Dimension


def _question(text, choices, kind="single", explanation=""):
    if kind == "true_false":
        return ("question", {"kind": kind, "text": text, "choices": [], "statement_true": choices,
                             "explanation": explanation})
    return ("question", {"kind": kind, "text": text, "statement_true": False, "explanation": explanation,
                         "choices": [{"text": t, "correct": c} for t, c in choices]})


DOCUMENT_QUIZ = [
    _question("研究院文档的正式版本保存在哪里？", [("知识库对应的空间", True), ("个人电脑", False), ("U 盘", False)]),
    _question("修改已发布的规范时应当怎样做？", [("发布新版本，保留旧版本", True), ("直接覆盖旧文件", False),
                                                ("另存为新文件名发邮件", False)]),
    _question("文档编号和版本号可以随意更改。", False, kind="true_false", explanation="编号和版本号由规范统一管理。"),
    _question("哪些信息属于文档的元数据？", [("作者", True), ("版本号", True), ("审核人", True), ("文件颜色", False)],
              kind="multiple"),
]
TEST_DATA_QUIZ = [
    _question("台架试验的原始数据应当何时归档？", [("试验结束后及时归档", True), ("项目结束后再说", False),
                                                 ("不需要归档", False)]),
    _question("试验数据可以只保存在试验台电脑上。", False, kind="true_false"),
    _question("试验报告至少要记录哪些内容？", [("试验编号", True), ("试验日期", True), ("结论", True),
                                            ("天气预报", False)], kind="multiple"),
]
SERVICE_QUIZ = [
    _question("客户来电咨询系统备份，坐席首先应当？", [("在答案查找中检索标准答案", True), ("凭记忆回答", False),
                                                     ("让客户稍后再打", False)]),
    _question("客户信息只能在工作需要的范围内使用。", True, kind="true_false"),
    _question("投诉信息收集后应当？", [("登记并转交责任部门", True), ("记在个人笔记本里", False)]),
]


def build_training(articles, users, positions, departments):
    from training.models import Assignment, TrainingPath, TrainingStep
    from training.services import progress as learning
    from training.services.assignments import sync_user

    def path(title, summary, department, owner, steps, assignments):
        training_path = TrainingPath(title=title, summary=summary, department=department, content_owner=owner,
                                     live=False)
        for order, step in enumerate(steps):
            training_path.steps.add(TrainingStep(sort_order=order, **step))
        for order, assignment in enumerate(assignments):
            training_path.assignments.add(Assignment(sort_order=order, **assignment))
        training_path.save()
        # Designed by its owner, published by the knowledge manager (who holds the right).
        training_path.save_revision(user=owner).publish(user=users["wangzhi"])
        return training_path

    faq_node = Dimension.for_imports().node_from_path(["客户服务", "常见问题"])
    research = path(
        "研发新员工入职培训", "入职一个月内掌握研究院的文档规范、试验数据管理和典型试验流程。",
        departments["research"], users["lina"],
        [
            {"kind": "article", "page": articles["传帮带与知识培训：新员工岗位培训计划"], "estimated_minutes": 10,
             "instructions": "了解导师制和岗位培训计划的安排。"},
            {"kind": "article", "page": articles["研究院文档管理与版本控制规范"], "estimated_minutes": 20,
             "quiz": DOCUMENT_QUIZ, "quiz_draw": 3, "pass_mark": 80, "max_attempts": 3},
            {"kind": "article", "page": articles["发动机台架试验数据管理规范"], "estimated_minutes": 25,
             "quiz": TEST_DATA_QUIZ, "pass_mark": 100, "max_attempts": 2},
            {"kind": "article", "page": articles["BJ1032 Engine Torque Test Procedure"], "estimated_minutes": 30},
            {"kind": "link", "title": "安全生产培训视频", "url": "http://video.zhiku.example/safety",
             "estimated_minutes": 15, "required": False},
        ],
        [{"target_type": "position", "position": positions["rd-engineer"], "due_days": 30},
         {"target_type": "position", "position": positions["test-engineer"], "due_days": 30}],
    )
    service = path(
        "客服专员上岗培训", "上岗前熟悉常见问题、投诉处理和客户信息保护。", departments["service"], users["wangzhi"],
        [
            {"kind": "faq_group", "faq_node": faq_node, "estimated_minutes": 30, "quiz": SERVICE_QUIZ,
             "pass_mark": 100, "max_attempts": 2},
            {"kind": "article", "page": articles["客户抱怨与投诉信息的收集和使用"], "estimated_minutes": 15},
            {"kind": "article", "page": articles["客户信息使用权限与隐私保护"], "estimated_minutes": 15},
        ],
        [{"target_type": "position", "position": positions["service-agent"],
          "due_date": timezone.localdate() - datetime.timedelta(days=5)}],
    )
    for user in users.values():
        sync_user(user)
    _progress(research, service, users, learning)


def _progress(research, service, users, learning):
    """zhangwei finished the R&D path, xiaoming is half-way, lina has not started; chenjing
    (service) is overdue after failing the quiz once."""
    from training.models import Enrollment

    def answer(attempt, right=True):
        """Every question right, or every one wrong (the first wrong choice)."""
        return {q["id"]: [c["id"] for c in q["choices"] if c["correct"] == right][:None if right else 1]
                for q in attempt.questions}

    def submit(enrollment, step, right):
        attempt = learning.start_attempt(enrollment, step)
        learning.submit_attempt(attempt, answer(attempt, right))

    def do(username, path, count, fail_first=False):
        enrollment = Enrollment.objects.get(user=users[username], path=path)
        for step in list(path.steps.filter(required=True))[:count]:
            learning.open_step(enrollment, step)
            if step.has_quiz:
                if fail_first:
                    submit(enrollment, step, right=False)
                submit(enrollment, step, right=True)
            else:
                learning.confirm_step(enrollment, step)
        return enrollment

    do("zhangwei", research, 4)
    do("xiaoming", research, 2, fail_first=True)
    chenjing = Enrollment.objects.get(user=users["chenjing"], path=service)
    step = service.steps.first()
    learning.open_step(chenjing, step)
    submit(chenjing, step, right=False)
