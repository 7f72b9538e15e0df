"""DRF shapes of the rounds: the list, the detail with its plan, teams and score summary, a
sampled point, and the input of a round inspection from the phone."""

from rest_framework import serializers

from evidence.fields import ClientUUIDField
from points.serializers import InspectionResultInputSerializer

from .models import Round, RoundSample, RoundTeam, SamplingRule
from .services import inspection_saved_message

SCORE_STATES = [("none", "尚无检查"), ("scored", "已计分")]


def score_state(score, points):
    """{"state", "state_display", "score", "points"}: the score is null, never 0 or 100,
    while no sampled point was scored."""
    if score is None:
        return {"state": "none", "state_display": "尚无检查", "score": None, "points": points}
    return {"state": "scored", "state_display": "已计分", "score": round(score, 1),
            "points": points}


class RoundSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    strata_display = serializers.CharField(source="get_strata_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    framework_name = serializers.CharField(source="framework.__str__", read_only=True)
    is_drawn = serializers.BooleanField(read_only=True)
    sample_count = serializers.IntegerField(read_only=True)
    inspected_count = serializers.IntegerField(read_only=True)
    team_count = serializers.IntegerField(read_only=True)
    score_state = serializers.ChoiceField(choices=SCORE_STATES, read_only=True,
                                          help_text="none：尚无检查（score 为 null）")
    field_score = serializers.FloatField(read_only=True, allow_null=True,
                                         help_text="全域实地得分（百分制）；尚无检查时为 null")

    class Meta:
        model = Round
        fields = ["id", "name", "kind", "kind_display", "region", "region_name", "framework",
                  "framework_name", "starts", "ends", "strata", "strata_display", "is_drawn",
                  "seed", "drawn_at", "sample_count", "inspected_count", "team_count",
                  "score_state", "field_score"]
        read_only_fields = fields


class SamplingRuleSerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", read_only=True)

    class Meta:
        model = SamplingRule
        fields = ["category", "category_name", "include_fixed", "random_share"]
        read_only_fields = fields


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class TeamSerializer(serializers.ModelSerializer):
    members = MemberSerializer(many=True, read_only=True)
    stops = serializers.IntegerField(read_only=True)
    done = serializers.IntegerField(read_only=True)

    class Meta:
        model = RoundTeam
        fields = ["id", "name", "members", "start_name", "start_latitude", "start_longitude",
                  "stops", "done"]
        read_only_fields = fields


class LineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk", allow_null=True)
    name = serializers.CharField()
    score = serializers.FloatField()
    points = serializers.IntegerField()


class PreviousSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    starts = serializers.DateField()
    score_state = serializers.ChoiceField(choices=SCORE_STATES)
    field_score = serializers.FloatField(allow_null=True)
    points = serializers.IntegerField()


class ScoresSerializer(serializers.Serializer):
    """The round page's score summary: null scores and a "none" state until a point is
    scored."""

    state = serializers.ChoiceField(choices=SCORE_STATES)
    state_display = serializers.CharField()
    score = serializers.FloatField(allow_null=True, help_text="全域实地得分（百分制）")
    spread = serializers.FloatField(allow_null=True, help_text="波动范围：± 这么多分")
    low = serializers.FloatField(allow_null=True, help_text="95% 区间下限")
    high = serializers.FloatField(allow_null=True, help_text="95% 区间上限")
    points = serializers.IntegerField(help_text="已测评点位")
    sampled = serializers.IntegerField(help_text="抽中点位")
    by_category = LineSerializer(many=True)
    by_district = LineSerializer(many=True)
    by_street = LineSerializer(many=True)
    by_unit = LineSerializer(many=True)
    previous = PreviousSerializer(many=True)

    def to_representation(self, scores):
        state = score_state(scores.score, scores.points)
        spread = round(scores.spread, 1) if scores.has_data else None
        return {
            **state, "spread": spread, "sampled": scores.sampled,
            "low": round(scores.score - scores.spread, 1) if scores.has_data else None,
            "high": round(scores.score + scores.spread, 1) if scores.has_data else None,
            **{key: LineSerializer(getattr(scores, key), many=True).data
               for key in ("by_category", "by_district", "by_street", "by_unit")},
            "previous": [{"id": r.pk, "name": r.name, "starts": r.starts,
                          "score_state": score_state(s, n)["state"],
                          "field_score": score_state(s, n)["score"], "points": n}
                         for r, s, n in scores.previous],
        }


class RoundDetailSerializer(RoundSerializer):
    rules = SamplingRuleSerializer(many=True, read_only=True)
    random_share = serializers.IntegerField(read_only=True)
    teams = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()

    class Meta(RoundSerializer.Meta):
        fields = RoundSerializer.Meta.fields + ["random_share", "rules", "teams", "scores"]
        read_only_fields = fields

    def get_teams(self, obj) -> TeamSerializer(many=True):
        return TeamSerializer(self.context["teams"], many=True).data

    def get_scores(self, obj) -> ScoresSerializer:
        return ScoresSerializer(self.context["scores"]).data


class RoundSampleSerializer(serializers.ModelSerializer):
    point_name = serializers.CharField(source="point.name", read_only=True)
    address = serializers.CharField(source="point.address", read_only=True)
    latitude = serializers.DecimalField(source="point.latitude", max_digits=9,
                                        decimal_places=6, read_only=True, allow_null=True)
    longitude = serializers.DecimalField(source="point.longitude", max_digits=10,
                                         decimal_places=6, read_only=True, allow_null=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    district_name = serializers.CharField(source="district.name", read_only=True, default=None)
    street_name = serializers.CharField(source="street.name", read_only=True, default=None)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    status = serializers.SerializerMethodField()
    status_display = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()

    class Meta:
        model = RoundSample
        fields = ["id", "round", "point", "point_name", "address", "latitude", "longitude",
                  "category", "category_name", "district", "district_name", "street",
                  "street_name", "is_fixed", "team", "team_name", "route_order", "status",
                  "status_display", "inspection", "score"]
        read_only_fields = fields

    def get_status(self, obj) -> str:
        return "inspected" if obj.inspection_id else "pending"

    def get_status_display(self, obj) -> str:
        return "已测评" if obj.inspection_id else "未测评"

    def get_score(self, obj) -> float | None:
        """The point's score rate (百分制); null until inspected or when nothing applied."""
        i = obj.inspection
        if i is None or not i.max_score:
            return None
        return round(float(i.score) * 100 / float(i.max_score), 1)


class RoundInspectionDoneSerializer(RoundSampleSerializer):
    """The sampled point once inspected, with the message the page would show."""

    findings = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()

    class Meta(RoundSampleSerializer.Meta):
        fields = RoundSampleSerializer.Meta.fields + ["findings", "message"]
        read_only_fields = fields

    def get_findings(self, obj) -> int:
        """Failed items filed as issues."""
        return obj.findings.count()

    def get_message(self, obj) -> str:
        return inspection_saved_message(obj.inspection, self.get_findings(obj))


class RoundInspectionInputSerializer(serializers.Serializer):
    """POST /rounds/{id}/sample/{sample}/inspect/: multipart with `notes`, `results` (a JSON
    list of {check_item, verdict, note}) and one file `photo_<check_item>` per failed item."""

    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    results = serializers.JSONField()
    client_uuid = ClientUUIDField()

    def validate_results(self, value):
        rows = InspectionResultInputSerializer(data=value, many=True)
        rows.is_valid(raise_exception=True)
        return rows.validated_data
