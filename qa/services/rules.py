"""Who may do what in Q&A. Every logged-in user reads, asks, answers and comments; the asker
accepts an answer; authors change their own posts; knowledge managers change and delete any
post and restore from the trash; editors who may publish in a space promote answers."""
from portal.roles import KNOWLEDGE_MANAGER


def is_moderator(user):
    """Knowledge managers (and superusers) look after every thread."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_qa_moderator", None)
    if cached is None:
        cached = user.groups.filter(name=KNOWLEDGE_MANAGER).exists()
        user._qa_moderator = cached
    return cached


def can_take_part(user):
    return user.is_authenticated and user.is_active


def can_edit(post, user):
    if not can_take_part(user) or post.is_deleted:
        return False
    return post.author_id == user.pk or is_moderator(user)


def can_delete(post, user):
    """Authors delete their own posts, except a question others have answered (the answers
    would disappear with it); knowledge managers delete anything."""
    from ..models import Question

    if not can_take_part(user) or post.is_deleted:
        return False
    if is_moderator(user):
        return True
    if post.author_id != user.pk:
        return False
    if isinstance(post, Question):
        return not post.answers.visible().exclude(author=user).exists()
    return True


def can_accept(question, user):
    return can_take_part(user) and question.asked_by_id == user.pk and not question.is_deleted


def can_restore(user):
    return is_moderator(user)


def promotion_spaces(user):
    """The spaces where ``user`` may add and publish pages: where a promoted answer may go."""
    from faq.services.entries import spaces_for_adding

    if not can_take_part(user):
        return []
    return spaces_for_adding(user)


def can_promote(user):
    return bool(promotion_spaces(user))
