"""Serializers of the privacy staff API (privacy/staff_apis.py)."""

from rest_framework import serializers


class MergeInputSerializer(serializers.Serializer):
    duplicates = serializers.ListField(child=serializers.UUIDField(), allow_empty=False)
    fields = serializers.DictField(child=serializers.UUIDField(), required=False, default=dict)
    dry_run = serializers.BooleanField(required=False, default=False)
