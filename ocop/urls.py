"""The OCOP officer pages, under /ocop/ (the API has its own URLs under /api/v1/ocop/)."""

from django.urls import path

from ocop import views

app_name = "ocop"

urlpatterns = [
    path("", views.product_list, name="products"),
    path("producers/new/", views.producer_new, name="producer_new"),
    path("products/new/", views.product_new, name="product_new"),
    path("products/<int:pk>/", views.product_detail, name="product"),
    path("products/<int:pk>/evaluate/", views.evaluate, name="evaluate"),
    path("evaluations/<int:pk>/revoke/", views.revoke, name="revoke"),
]
