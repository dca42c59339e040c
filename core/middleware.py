"""Pages and API answers for a logged-in user carry personal or unfinished data (drafts, a
province's work): no shared or browser cache may keep them."""

from django.utils.cache import patch_cache_control


class PrivateNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response  # the view said what it wants (static files, downloads)
        if "HTTP_AUTHORIZATION" in request.META or _logged_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _logged_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
