"""Input and output serializers of /api/v1/visitors/ (contract pinned in issue 11)."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ohms_core.api.serializers import BASE_READ_ONLY, ScopedModelSerializer
from ohms_core.models import Site
from ohms_core.scoping import active_members, scope_choices

from ..models import AccessLog, NDASignature, ShiftHandover, SiteNDA, VisitorInvite
from ..states import AccessType

TIMESTAMPS = ("created_at", "updated_at")


class MemberField(serializers.PrimaryKeyRelatedField):
    """A user who is an active member of the acting organization (another's id: invalid)."""

    def get_queryset(self):
        return active_members(self.context.get("organization"))


class VisitorInviteSerializer(ScopedModelSerializer):
    host = MemberField(queryset=get_user_model().objects.none(), required=False,
                       help_text=_("The employee who invites; defaults to the caller."))
    status = serializers.CharField(read_only=True)
    qr_token = serializers.CharField(read_only=True)

    class Meta:
        model = VisitorInvite
        fields = ("id", "version", "site", "visitor_name", "visitor_company", "visitor_id_number", "visitor_email",
                  "purpose", "host", "expected_arrival", "expected_departure", "access_type", "qr_token", "status",
                  "checked_in_at", "checked_out_at", *TIMESTAMPS)
        read_only_fields = (*BASE_READ_ONLY, "checked_in_at", "checked_out_at")

    def validate(self, attrs):
        arrival = attrs.get("expected_arrival", getattr(self.instance, "expected_arrival", None))
        departure = attrs.get("expected_departure", getattr(self.instance, "expected_departure", None))
        if arrival and departure and departure <= arrival:
            raise serializers.ValidationError({"expected_departure": [_("The departure must be after the arrival.")]})
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=64, trim_whitespace=True)


class SignNDASerializer(serializers.Serializer):
    signed_name = serializers.CharField(max_length=200)
    accepted = serializers.BooleanField()

    def validate_accepted(self, value):
        if not value:
            raise serializers.ValidationError(_("Tick the box to accept the NDA."))
        return value


class SiteNDASerializer(ScopedModelSerializer):
    nda_version = serializers.IntegerField(required=False, min_value=1, max_value=100000,
                                           help_text=_("The agreement's version; default: the site's latest + 1."))
    # A plain string in the schema (another add-on's "language" enum already owns the name).
    language = serializers.CharField(max_length=10, required=False, help_text=_("fr or en."))

    class Meta:
        model = SiteNDA
        fields = ("id", "version", "nda_version", "site", "title", "language", "body", "document", "is_current", *TIMESTAMPS)
        read_only_fields = BASE_READ_ONLY


    def validate_language(self, value):
        from django.conf import settings

        if value not in dict(settings.LANGUAGES):
            raise serializers.ValidationError(_("Choose fr or en."))
        return value


class NDASignatureSerializer(serializers.ModelSerializer):
    class Meta:
        model = NDASignature
        fields = ("id", "invite", "nda", "nda_version", "signed_name", "accepted", "signed_at", "ip")
        read_only_fields = fields


class AccessLogSerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessLog
        fields = ("id", "site", "invite", "access_type", "person_name", "person_company", "vehicle", "notes",
                  "check_in_time", "check_out_time", "guard", "checked_out_by")
        read_only_fields = fields


class WalkInSerializer(serializers.Serializer):
    site = serializers.PrimaryKeyRelatedField(queryset=Site.objects.all())
    access_type = serializers.ChoiceField(choices=AccessType.choices,
                                          help_text=_("Contractor, delivery or employee (a visitor needs an invitation)."))
    person_name = serializers.CharField(max_length=200)
    person_company = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    vehicle = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_access_type(self, value):
        if value == AccessType.VISITOR:
            raise serializers.ValidationError(_("A visitor needs an invitation."))
        return value

    def get_fields(self):
        fields = super().get_fields()
        fields["site"].queryset = scope_choices(Site.objects.all(), organization=self.context.get("organization"))
        return fields


class ShiftHandoverSerializer(ScopedModelSerializer):
    author = serializers.PrimaryKeyRelatedField(read_only=True)
    open_items = serializers.ListField(child=serializers.CharField(max_length=500), required=False, allow_empty=True,
                                       max_length=200,
                                       help_text=_("Omitted on create: the previous handover's open items are carried."))

    class Meta:
        model = ShiftHandover
        fields = ("id", "version", "site", "author", "shift_start", "shift_end", "notes", "open_items", "previous",
                  "acknowledged_by", "acknowledged_at", *TIMESTAMPS)
        read_only_fields = (*BASE_READ_ONLY, "previous", "acknowledged_by", "acknowledged_at")

    def validate(self, attrs):
        start = attrs.get("shift_start", getattr(self.instance, "shift_start", None))
        end = attrs.get("shift_end", getattr(self.instance, "shift_end", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"shift_end": [_("The shift must end after it starts.")]})
        return attrs


class CompanyCountSerializer(serializers.Serializer):
    company = serializers.CharField()
    count = serializers.IntegerField()


class AccessTypeCountSerializer(serializers.Serializer):
    access_type = serializers.ChoiceField(choices=AccessType.choices)
    count = serializers.IntegerField()


class OnSiteSerializer(serializers.Serializer):
    """The muster list: people on site now, with counts."""

    site = serializers.UUIDField(allow_null=True)
    total = serializers.IntegerField()
    by_company = CompanyCountSerializer(many=True)
    by_access_type = AccessTypeCountSerializer(many=True)
    people = AccessLogSerializer(many=True)
