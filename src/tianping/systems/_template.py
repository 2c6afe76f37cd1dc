"""`tianping init`: an annotated profile template, commented in Chinese and English."""

from __future__ import annotations

_TEMPLATE = """\
# Tianping system profile / 天平 AI 系统档案
# Describe the AI system once; `tianping assess` derives its tier, obligations and findings.
# 只需描述一次 AI 系统；`tianping assess` 将据此推导风险等级、适用义务与评估结论。
schema_version: 1
id: {system_id}                  # stable slug / 稳定标识（小写字母、数字、. _ -）
name: {name}                     # display name / 系统名称
name_en: {name}
version: "1.0.0"                 # system version / 系统版本
description: >-
  One paragraph on what the system does and for whom. / 一段话说明系统用途与服务对象。

provider:                        # 服务提供者
  name: Example Co., Ltd.        # legal name / 法定名称
  uscc: 91350100M000100Y43       # unified social credit code / 统一社会信用代码 (GB 32100)
  country: CN
  roles: [provider]              # provider | technical_supporter | dissemination_platform |
                                 # app_distribution_platform | deployer | developer
  is_ciio: false                 # critical information infrastructure operator / 关键信息基础设施运营者
  large_platform: false          # important platform with a huge user base (PIPL Art. 58) / 大型平台

lifecycle: production            # research | internal_pilot | production | retired / 生命周期阶段
sectors: [other]                 # finance, healthcare, transport, automotive, education, employment,
                                 # news_media, social_media, e_commerce, government, research, ... / 行业
services: []                     # generative | recommendation | deep_synthesis | automated_decision |
                                 # biometric_identification | driving_automation | ... / 服务类型
public_facing: false             # offered to the public / 是否面向公众提供服务
users:                           # 用户规模
  registered: 0                  # registered users / 注册用户数
  monthly_active: 0              # monthly active users / 月活跃用户数
  min_age: 18                    # youngest admitted age / 允许使用的最低年龄
  minors_allowed: false          # minors may use it / 是否面向未成年人
  serves_elderly: false          # serves elderly users (AlgRec Art. 19) / 面向老年人
public_opinion:                  # 舆论属性或者社会动员能力
  attributes: false
  mobilisation: false
modalities: []                   # what it generates: text, image, audio, video, virtual_scene / 生成模态
offers_download: false           # users can download or export generated content / 可下载导出生成内容
edits_face_or_voice: false       # edits faces or voices (Deep Synthesis Art. 14) / 编辑人脸、人声

data:                            # data inventory / 数据清单
  personal_information: false    # processes personal information / 是否处理个人信息
  pi_categories: []              # identity, contact, financial, health, biometric, location, ... / 个人信息类别
  sensitive_categories: []       # PIPL Art. 28: biometric, religious_belief, specific_identity,
                                 # medical_health, financial_account, location_tracking, minors_under_14
  individuals: 0                 # individuals whose PI is processed / 涉及个人数
  sensitive_individuals: 0       # individuals whose sensitive PI is processed / 敏感个人信息涉及人数
  minors_under_14: false         # PI of children under 14 / 是否处理不满十四周岁未成年人个人信息
  important_data: false          # important data per GB/T 43697 / 是否含重要数据
  public_place_capture: false    # images/ID captured in public places (PIPL Art. 26) / 公共场所采集
  cross_border: []               # flows abroad since 1 January this year / 本年度 1 月 1 日起累计出境
  # - destination: SG
  #   scenario: ordinary         # or trade_no_pi, contract_necessity, cross_border_hr, emergency, ...
  #   individuals: 0             # non-sensitive PI / 非敏感个人信息人数
  #   sensitive_individuals: 0   # sensitive PI / 敏感个人信息人数
  scan_paths: []                 # files, folders, database URLs to scan for PI / 待扫描个人信息的路径
  scan_images: false             # scans read images and scans too: OCR text, faces / 识别图片文字与人脸

models: []                       # model artefacts / 模型制品
# - id: main
#   kind: sklearn                # sklearn | onnx | http | openai_chat | gguf | callable
#   path: artefacts/model.joblib
datasets: []                     # datasets for checks / 用于检查的数据集
# - id: test
#   path: data/test.csv
#   target: label
#   sensitive_attributes: [sex, age_band]

deployments:                     # where it runs / 部署与法域
  - jurisdiction: CN             # CN | EU | US | UK | SG | HK | ...
    offered_to_public: false

sandbox:                         # regulatory sandbox / 监管沙箱
  enrolled: false

attestations:                    # process attestations / 流程性声明
  file: attestations.yaml
"""


def profile_template(system_id: str = "my-ai-system", name: str = "My AI system") -> str:
    return _TEMPLATE.format(system_id=system_id, name=name)
