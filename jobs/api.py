"""A background job's progress, for the user who started it (and the national office):
GET /api/v1/jobs/<id>/. Anyone else is told there is no such job (404)."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from accounts.access import access_for
from core.api import ErrorSerializer
from jobs.models import Job


class JobSerializer(serializers.ModelSerializer):
    started_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "params",
            "started_by",
            "status",
            "done",
            "total",
            "message",
            "result",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


@extend_schema(
    summary="A background job: status and progress",
    description="`done` of `total` units of work (0 of 0: not yet counted); `result` once "
    "`status` is done, `error` once it is failed. Only the user who started the job, and the "
    "national office, see it.",
    responses={200: JobSerializer, 401: ErrorSerializer, 404: ErrorSerializer},
)
class JobView(generics.RetrieveAPIView):
    serializer_class = JobSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        jobs = Job.objects.select_related("started_by")
        if access_for(self.request.user).is_national:
            return jobs
        return jobs.filter(started_by=self.request.user)


urlpatterns = [path("jobs/<int:pk>/", JobView.as_view(), name="job-detail")]
