"""The shapes of the API's JSON: the request it validates, and the answers it documents."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

__all__ = [
    "EXAMPLE_HEADLINES",
    "Health",
    "PredictQuery",
    "PredictRequest",
    "PredictResponse",
    "Prediction",
    "Problem",
]

EXAMPLE_HEADLINES = [
    "KSE-100 plunges 2,000 points as rupee slides",
    "FO summons Afghan envoy over border remarks",
    "CTD arrests four suspects in Lahore",
]


class PredictRequest(BaseModel):
    """A JSON request: the headlines in order, and the same options as `headlines predict`."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"headlines": EXAMPLE_HEADLINES}]}
    )

    headlines: list[StrictStr] = Field(
        description="Headlines to label, in order; a blank one stays a blank row."
    )
    explain: StrictInt | None = Field(
        default=None, ge=0, description="Also list the K terms that pushed each topic and moved each tone."
    )
    min_confidence: float | None = Field(
        default=None, ge=0, le=1, description="Call a topic 'uncertain' when its probability is below this."
    )


class PredictQuery(BaseModel):
    """Query parameters of /v1/predict: the options for CSV and text bodies (a JSON body may set its own)."""

    model_config = ConfigDict(extra="forbid")

    explain: int | None = Field(
        default=None, ge=0, description="Reasons per row: the K terms that moved it most."
    )
    min_confidence: float | None = Field(
        default=None, ge=0, le=1, description="Call a topic 'uncertain' when its probability is below this."
    )
    column: str | None = Field(default=None, max_length=200, description="Text column of a CSV/TSV body.")
    safe_csv: bool = Field(
        default=False, description="Prefix CSV cells starting with = + - @ with ' (spreadsheets)."
    )

    @classmethod
    def openapi_parameters(cls) -> list[dict]:
        """The fields as OpenAPI query parameters, for the docs."""
        return [
            {"name": name, "in": "query", "required": False, "description": field.get("description", ""),
             "schema": {k: v for k, v in field.items() if k != "description"}}
            for name, field in cls.model_json_schema()["properties"].items()
        ]  # fmt: skip


class Prediction(BaseModel):
    """One headline's row, field for field as in `headlines predict --format jsonl`."""

    id: str = Field(description="1-based position in the request, or the CSV's id column.")
    headline: str
    topic: str | None = Field(
        description="diplomacy, security, conflict, markets, other or uncertain; null if blank."
    )
    topic_confidence: float | None
    topic_alt: str | None = Field(description="The runner-up topic.")
    topic_alt_confidence: float | None
    p_diplomacy: float | None
    p_security: float | None
    p_conflict: float | None
    p_markets: float | None
    p_other: float | None
    tone: float | None = Field(description="Calibrated tone in [-1, 1].")
    tone_label: str | None = Field(description="negative below -0.25, positive above +0.25, else neutral.")
    topic_reasons: list[tuple[str, float]] | None = Field(
        default=None, description="With explain: [term, contribution] pairs that pushed the topic most."
    )
    tone_reasons: list[tuple[str, float]] | None = Field(
        default=None, description="With explain: [term, contribution] pairs that moved the tone most, signed."
    )


class PredictResponse(BaseModel):
    predictions: list[Prediction]


class Problem(BaseModel):
    """Every refusal: a one-line message, its kind, and for invalid fields each field named."""

    error: str = Field(examples=["headlines[2]: Input should be a valid string"])
    kind: str = Field(examples=["invalid"])
    errors: list[dict] | None = None


class Health(BaseModel):
    status: str = Field(examples=["ok"])
