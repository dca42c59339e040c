"""The API's login: DRF's token view, with the project's parsers (core.parsers bounds JSON)
instead of the ones it names for itself."""

from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.settings import api_settings


class ObtainToken(ObtainAuthToken):
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES


obtain_token = ObtainToken.as_view()
