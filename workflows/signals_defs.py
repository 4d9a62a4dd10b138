from django.dispatch import Signal

# A request rejected outright (not handed back for changes); sent with the workflow state.
workflow_declined = Signal()
