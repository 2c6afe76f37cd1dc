"""The AI system profile (`tianping.yaml`): one typed document per AI system.

Field names are the vocabulary that rulebook conditions (CEL) are written against, so they
are stable: renaming one is a breaking change for every rulebook.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Sector = Literal[
    "finance",
    "insurance",
    "healthcare",
    "transport",
    "automotive",
    "education",
    "employment",
    "news_media",
    "social_media",
    "e_commerce",
    "government",
    "public_security",
    "justice",
    "energy",
    "telecom",
    "manufacturing",
    "entertainment",
    "research",
    "other",
]

ServiceType = Literal[
    "generative",  # 生成式人工智能服务 (GenAI Interim Measures Art. 2)
    "recommendation",  # 算法推荐 (Algorithmic Recommendation Provisions Art. 2)
    "deep_synthesis",  # 深度合成 (Deep Synthesis Provisions Art. 2)
    "automated_decision",  # 自动化决策 (PIPL Art. 73(2))
    "search_ranking",
    "dispatch_scheduling",
    "biometric_identification",
    "content_moderation",
    "anthropomorphic_interaction",  # 拟人化互动 (2025 draft)
    "driving_automation",
    "medical_diagnosis_support",
    "other",
]

Lifecycle = Literal["research", "internal_pilot", "production", "retired"]

Modality = Literal["text", "image", "audio", "video", "virtual_scene", "code", "other"]

Role = Literal[
    "provider",  # 服务提供者
    "technical_supporter",  # 技术支持者
    "dissemination_platform",  # 传播平台
    "app_distribution_platform",  # 应用程序分发平台
    "deployer",  # uses a third party's AI in its own operations
    "developer",
]

PICategory = Literal[
    "identity",
    "contact",
    "account",
    "device",
    "location",
    "behaviour",
    "financial",
    "health",
    "biometric",
    "education_employment",
    "communication_content",
    "other",
]

SensitiveCategory = Literal[
    # PIPL Art. 28: the named sensitive categories; minors under 14 are their own flag.
    "biometric",
    "religious_belief",
    "specific_identity",
    "medical_health",
    "financial_account",
    "location_tracking",
    "minors_under_14",
]

Jurisdiction = Literal["CN", "HK", "MO", "TW", "EU", "US", "UK", "SG", "JP", "KR", "OTHER"]

ModelKind = Literal[
    "sklearn", "onnx", "xgboost", "lightgbm", "callable", "http", "openai_chat", "gguf", "other"
]

CrossBorderScenario = Literal[
    "ordinary",
    "trade_no_pi",  # XB Provisions Art. 3
    "foreign_pi_transit",  # Art. 4
    "contract_necessity",  # Art. 5(1)
    "cross_border_hr",  # Art. 5(2)
    "emergency",  # Art. 5(3)
    "ftz_outside_negative_list",  # Art. 6
]

MedicalMaturity = Literal["low", "high"]

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_FORMAT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_is_valid(code: str) -> bool:
    """GB 32100-2015 check character (position 18) of a unified social credit code."""
    if len(code) != 18 or any(c not in _USCC_CHARS for c in code):
        return False
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(code[:17], _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31] == code[17]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Provider(_Strict):
    name: str = Field(min_length=1, description="Legal name of the provider / 提供者名称")
    uscc: str | None = Field(
        None, description="Unified social credit code (18 chars, GB 32100) / 统一社会信用代码"
    )
    country: str = Field("CN", min_length=2, max_length=2, description="ISO 3166 alpha-2")
    roles: list[Role] = Field(default_factory=lambda: list[Role](["provider"]))
    is_ciio: bool = Field(False, description="Critical information infrastructure operator")
    large_platform: bool = Field(
        False,
        description="Provides important internet platform services with a huge user base and "
        "complex business types (PIPL Art. 58; NDSMR large network platforms) / 大型网络平台",
    )
    contact_email: str | None = None
    algorithm_security_officer: str | None = Field(
        None, description="Named algorithm-security responsible person (role, not raw PI)"
    )

    @field_validator("uscc")
    @classmethod
    def _check_uscc(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = v.strip().upper()
        # A wrong check character is only flagged (profile.completeness): some early pilot
        # codes were issued that fail it, so the format alone decides validity here.
        if not _USCC_FORMAT.match(v):
            raise ValueError(
                "not a unified social credit code: expected 18 characters, 2 from 0-9/A-Y, "
                "6 digits, then 10 from 0-9/A-Y (no I, O, S, V, Z)"
            )
        return v


class Users(_Strict):
    registered: int = Field(0, ge=0, description="Registered users / 注册用户数")
    monthly_active: int = Field(0, ge=0, description="Monthly active users / 月活跃用户数")
    min_age: int | None = Field(
        None, ge=0, le=120, description="Youngest age the service admits / 服务允许的最低年龄"
    )
    minors_allowed: bool = Field(False, description="Minors (under 18) may use it / 面向未成年人")
    serves_elderly: bool = Field(
        False, description="Serves or targets elderly users / 面向老年人提供服务"
    )


class PublicOpinion(_Strict):
    """舆论属性或者社会动员能力 (Algorithmic Recommendation Provisions Art. 24)."""

    attributes: bool = Field(False, description="Has public-opinion attributes / 具有舆论属性")
    mobilisation: bool = Field(False, description="Social mobilisation capability / 社会动员能力")


class CrossBorderFlow(_Strict):
    destination: str = Field(min_length=2, description="Country or region receiving the data")
    recipient: str | None = None
    scenario: CrossBorderScenario = "ordinary"
    individuals: int = Field(
        0, ge=0, description="Individuals whose non-sensitive PI is exported since 1 Jan this year"
    )
    sensitive_individuals: int = Field(
        0, ge=0, description="Individuals whose sensitive PI is exported since 1 Jan this year"
    )
    important_data: bool = Field(False, description="Includes notified important data")


class DataInventory(_Strict):
    personal_information: bool = Field(False, description="Processes personal information")
    pi_categories: list[PICategory] = Field(default_factory=list)
    sensitive_categories: list[SensitiveCategory] = Field(default_factory=list)
    individuals: int = Field(0, ge=0, description="Individuals whose PI is processed / 个人数")
    sensitive_individuals: int = Field(0, ge=0, description="Individuals whose sensitive PI")
    minors_under_14: bool = Field(False, description="Processes PI of children under 14")
    important_data: bool = Field(False, description="Holds important data (GB/T 43697)")
    training_data_sources: list[
        Literal["self_collected", "open_source", "commercial", "user_input", "synthetic"]
    ] = Field(default_factory=list)
    entrusted_processing: bool = Field(False, description="Entrusts or provides PI to others")
    publicly_discloses_pi: bool = False
    public_place_capture: bool = Field(
        False,
        description="Captures images or identity signals with equipment in public places "
        "(PIPL Art. 26) / 公共场所图像采集、个人身份识别设备",
    )
    cross_border: list[CrossBorderFlow] = Field(default_factory=list)
    scan_paths: list[str] = Field(
        default_factory=list,
        description="Files, directories or database URLs (credentials from the environment) "
        "to scan for personal information / 待扫描个人信息的路径或数据库地址",
    )
    scan_images: bool = Field(
        False,
        description="Scans of scan_paths also read images, scanned PDF pages and pictures "
        "in documents: text by Tesseract OCR, faces (biometric PI) by OpenCV; slower / "
        "扫描时同时识别图片、扫描件及文档内图片中的文字与人脸",
    )


class ModelArtefact(_Strict):
    id: str
    kind: ModelKind
    path: str | None = Field(None, description="File path, relative to the profile")
    endpoint: str | None = Field(None, description="URL for http / openai_chat models")
    task: Literal["classification", "regression", "ranking", "generation", "other"] = "other"
    base_model: str | None = Field(None, description="Filed base model it builds on")
    # Audits of predictive models (tianping.audit) read the fields below.
    callable: str | None = Field(
        None, description="'module:function' for kind 'callable' (rows in, predictions out)"
    )
    features: list[str] | None = Field(
        None, description="Input columns in model order; default: all but target / 模型输入列"
    )
    positive_label: str | int | float | bool | list[str | int | float] | None = Field(
        None,
        description="Target value(s) of the favourable outcome, e.g. 1 or ['>50K', '>50K.'] "
        "/ 有利结果的标签值",
    )
    decision_threshold: float = Field(
        0.5, ge=0, le=1, description="Score at or above which the outcome is positive"
    )
    monotone: dict[str, Literal["increasing", "decreasing"]] = Field(
        default_factory=dict,
        description="Declared monotone relations of the score to a feature / 单调性约束",
    )
    training_dataset: str | None = Field(
        None, description="Dataset id of the training data (drift reference) / 训练数据集"
    )
    evaluation_dataset: str | None = Field(
        None, description="Dataset id audits run on; default: first with a target / 评估数据集"
    )
    model_name: str | None = Field(None, description="Model name sent to an openai_chat endpoint")
    api_key_env: str | None = Field(
        None, description="Environment variable that holds the endpoint's API key / 密钥环境变量"
    )
    timeout_s: float = Field(30.0, gt=0, description="Per-request timeout for http endpoints")
    batch_size: int = Field(256, ge=1, description="Rows per request for http endpoints")

    @model_validator(mode="after")
    def _needs_location(self) -> ModelArtefact:
        if self.kind in ("http", "openai_chat") and not self.endpoint:
            raise ValueError(f"a model of kind '{self.kind}' needs 'endpoint'")
        return self


class Dataset(_Strict):
    id: str
    path: str = Field(description="File path, relative to the profile")
    format: Literal["csv", "parquet", "jsonl", "arrow"] = "csv"
    delimiter: str | None = Field(None, max_length=1)
    has_header: bool = True
    columns: list[str] | None = Field(None, description="Column names when the file has none")
    target: str | None = None
    sensitive_attributes: list[str] = Field(
        default_factory=list, description="Columns to check group coverage on / 敏感属性列"
    )
    bins: dict[str, list[float]] = Field(
        default_factory=dict, description="Bin edges for numeric sensitive attributes (e.g. age)"
    )
    na_values: list[str] = Field(default_factory=lambda: ["", "?", "NA", "N/A", "null", "NaN"])
    role: Literal["training", "validation", "test", "production"] = "test"
    skip_rows: int = Field(0, ge=0, description="Lines to skip before the data (e.g. a note)")
    recode: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Raw value -> group name for sensitive attributes in audits (e.g. A92 -> "
        "female); model inputs stay raw",
    )
    proxies: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Columns that stand in for a sensitive attribute (counterfactual probe)",
    )
    quasi_identifiers: list[str] = Field(
        default_factory=list, description="Quasi-identifier columns (anonymity) / 准标识符列"
    )
    claimed_anonymised: bool = Field(
        False, description="Claimed anonymised under PIPL Art. 73(4) / 声称已匿名化"
    )


class Deployment(_Strict):
    jurisdiction: Jurisdiction
    offered_to_public: bool = Field(True, description="Offered to the public there / 面向公众")
    since: dt.date | None = None


class Sandbox(_Strict):
    enrolled: bool = False
    programme: str | None = None


class HealthcareProfile(_Strict):
    """NMPA classification inputs (NMPA Notice 2021 No. 47)."""

    processes_device_data: bool = Field(False, description="Uses medical-device data")
    medical_purpose: bool = False
    algorithm_maturity: MedicalMaturity = "low"
    decision_support: bool = Field(False, description="Aids diagnosis/treatment decisions")


class AutomotiveProfile(_Strict):
    automation_level: int = Field(0, ge=0, le=5, description="GB/T 40429 level L0-L5")
    vehicle_category: Literal["M", "N", "O", "other"] = "M"
    new_type_approval: bool = True
    ota_updates: bool = False


class EthicsProfile(_Strict):
    """Triggers on the expert re-review list of the Ethics Review Measures (2023)."""

    human_machine_integration: bool = False
    guides_public_opinion: bool = False
    autonomous_decisions_in_safety_or_health: bool = False
    involves_human_participants: bool = False


class Attestations(_Strict):
    file: str | None = Field(None, description="YAML file of attestation answers")


class GenAIEvaluation(_Strict):
    """How to run the TC260-003 safety evaluation against the system's model."""

    target: str = Field(description="Model id (from 'models') to evaluate / 被测模型")
    banks: list[str] = Field(
        default_factory=list, description="Question-bank JSONL files, relative to the profile"
    )
    commercial: bool = Field(True, description="The run serves a commercial filing / 商用")
    concurrency: int = Field(16, ge=1, le=4096)
    processes: int = Field(
        1, ge=1, le=256, description="Client processes to shard the run across (OpenAI targets)"
    )
    attacks: list[str] = Field(default_factory=list, description="Red-team transforms to apply")
    judge: str | None = Field(None, description="Model id of an LLM judge (optional)")
    human_labels: str | None = Field(None, description="CSV of human review labels (optional)")
    keywords: str | None = Field(
        None, description="Keyword library file for screening answers (optional) / 关键词库"
    )
    cache: str | None = Field(None, description="Response cache file; default under .tianping")


class LabelsProfile(_Strict):
    """AI-generated content labels (Labeling Measures, GB 45438-2025)."""

    provider_code: str | None = Field(
        None, description="27-character service-provider code / 服务提供者编码"
    )
    samples: list[str] = Field(
        default_factory=list,
        description="Sample generated outputs to verify (files, directories or globs)",
    )


class SystemProfile(_Strict):
    """One AI system, described once."""

    schema_version: Literal[1] = 1
    id: str = Field(description="Stable slug: lowercase letters, digits, '.', '_' or '-'")
    name: str = Field(min_length=1)
    name_en: str | None = None
    version: str = "0.1.0"
    description: str | None = None
    provider: Provider
    lifecycle: Lifecycle = "production"
    sectors: list[Sector] = Field(default_factory=list)
    services: list[ServiceType] = Field(default_factory=list)
    roles_note: str | None = None
    public_facing: bool = Field(False, description="Offered to the public / 面向公众提供服务")
    users: Users = Field(default_factory=Users)
    public_opinion: PublicOpinion = Field(default_factory=PublicOpinion)
    modalities: list[Modality] = Field(default_factory=list)
    offers_download: bool = Field(False, description="Users can download or export output")
    edits_face_or_voice: bool = Field(
        False,
        description="Generates or edits face, voice or other biometric features / "
        "生成或者编辑人脸、人声等生物识别信息",
    )
    data: DataInventory = Field(default_factory=DataInventory)
    models: list[ModelArtefact] = Field(default_factory=list)
    datasets: list[Dataset] = Field(default_factory=list)
    deployments: list[Deployment] = Field(default_factory=list)
    sandbox: Sandbox = Field(default_factory=Sandbox)
    healthcare: HealthcareProfile | None = None
    automotive: AutomotiveProfile | None = None
    ethics: EthicsProfile = Field(default_factory=EthicsProfile)
    attestations: Attestations = Field(default_factory=Attestations)
    genai: GenAIEvaluation | None = None
    labels: LabelsProfile | None = None
    tags: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not _ID_RE.match(v):
            raise ValueError(
                "expected 1-64 characters: lowercase letters, digits, '.', '_' or '-', "
                "starting with a letter or digit"
            )
        return v

    @property
    def jurisdictions(self) -> list[str]:
        return sorted({d.jurisdiction for d in self.deployments})

    def to_cel(self) -> dict[str, object]:
        """The profile as CEL sees it: plain JSON values, every field present."""
        data = self.model_dump(mode="json")
        # Absent sector blocks read as their defaults, so conditions need no null checks.
        data["healthcare"] = (self.healthcare or HealthcareProfile()).model_dump(mode="json")
        data["automotive"] = (self.automotive or AutomotiveProfile()).model_dump(mode="json")
        # Derived facts that conditions need often, so each rule does not re-derive them.
        data["derived"] = {
            "jurisdictions": self.jurisdictions,
            "offered_in_cn_to_public": any(
                d.jurisdiction == "CN" and d.offered_to_public for d in self.deployments
            ),
            "xb_individuals": sum(f.individuals for f in self.data.cross_border),
            "xb_sensitive_individuals": sum(
                f.sensitive_individuals for f in self.data.cross_border
            ),
            "xb_important_data": any(f.important_data for f in self.data.cross_border),
            # Exempt scenarios (XB Provisions Arts. 3-6) do not count toward the thresholds.
            "xb_ordinary_individuals": sum(
                f.individuals for f in self.data.cross_border if f.scenario == "ordinary"
            ),
            "xb_ordinary_sensitive_individuals": sum(
                f.sensitive_individuals for f in self.data.cross_border if f.scenario == "ordinary"
            ),
            "xb_ordinary_important_data": any(
                f.important_data for f in self.data.cross_border if f.scenario == "ordinary"
            ),
            "sensitive_pi": bool(self.data.sensitive_categories) or self.data.minors_under_14,
        }
        return data
