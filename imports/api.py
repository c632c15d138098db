"""``/api/v1/imports/``: upload a spreadsheet for a preview, read it, confirm it."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.auth import official_of
from imports import services
from imports.models import TaskImport
from tasks.api.views import object_id
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


UPLOAD = inline_serializer(
    "ImportUpload",
    {"directive": serializers.IntegerField(), "file": serializers.FileField()},
)


class ImportCreateView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Upload an .xlsx or .csv: a preview with every row's problems (nothing imported yet)",
        tags=["imports"],
        request={"multipart/form-data": UPLOAD},
        responses={201: ImportSerializer},
    )
    def post(self, request: Request) -> Response:
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": ["Attach the spreadsheet as 'file'."]})
        directive = get_object_or_404(Directive, pk=object_id(request.data.get("directive", "")))
        task_import = services.import_preview(
            actor=official_of(request), directive=directive, file_name=upload.name, content=upload.read()
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
    return get_object_or_404(TaskImport, pk=pk)
