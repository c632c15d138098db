"""``/api/v1/imports/``: upload a spreadsheet for a preview, read it, confirm it."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.auth import official_of
from imports import services
from imports.models import TaskImport
from tasks.models import Directive


class ImportSerializer(serializers.ModelSerializer):
    directive: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="number", read_only=True
    )

    class Meta:
        model = TaskImport
        fields = [
            "id",
            "directive",
            "file_name",
            "status",
            "counts",
            "rows",
            "result",
            "created_at",
            "imported_at",
        ]


class UploadSerializer(serializers.Serializer):
    directive = serializers.PrimaryKeyRelatedField(queryset=Directive.objects.all())
    file = serializers.FileField()


class ImportCreateView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Upload an .xlsx or .csv: a preview with every row's problems (nothing imported yet)",
        tags=["imports"],
        request={"multipart/form-data": UploadSerializer},
        responses={201: ImportSerializer},
    )
    def post(self, request: Request) -> Response:
        services.require_monitor(official_of(request))
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        task_import = services.import_preview(
            actor=official_of(request),
            directive=data.validated_data["directive"],
            file_name=upload.name,
            content=upload.read(),
        )
        return Response(ImportSerializer(task_import).data, status=status.HTTP_201_CREATED)


class ImportDetailView(APIView):
    @extend_schema(
        summary="A preview, or the result of its import", tags=["imports"], responses=ImportSerializer
    )
    def get(self, request: Request, pk) -> Response:
        return Response(ImportSerializer(_mine(request, pk)).data)


class ImportConfirmView(APIView):
    @extend_schema(
        summary="Import the previewed rows (large files by a worker: 202, then read the import)",
        tags=["imports"],
        request=None,
        responses={200: ImportSerializer, 202: ImportSerializer},
    )
    def post(self, request: Request, pk) -> Response:
        task_import = services.import_request_confirm(
            actor=official_of(request), task_import=_mine(request, pk)
        )
        code = status.HTTP_200_OK if task_import.status == "imported" else status.HTTP_202_ACCEPTED
        return Response(ImportSerializer(task_import).data, status=code)


def _mine(request: Request, pk) -> TaskImport:
    services.require_monitor(official_of(request))
    task_import = TaskImport.objects.filter(pk=pk).first()
    if task_import is None:
        raise NotFound()
    return task_import
