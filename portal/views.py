from django.conf import settings
from django.views.static import serve


def serve_image_media(request, path):
    """Images of the intranet, for logged-in users only (LoginRequiredMiddleware)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)
