"""Descriptions several of the review's schemas share, Japanese first with English alongside,
written once so that a field means the same wherever the contract shows it."""

from __future__ import annotations

VERSION = "版（version）: 作成時は1、変更のたびに増える（starts at 1 and rises with every change）"
ACTOR = "操作者（who did it, as the audit trail names a caller: `role:subject`）"
ACTOR_EXAMPLE = "operator:office-1"
CREATED_AT = "作成日時（created at, Asia/Tokyo）"
FISCAL_YEAR = "年度（fiscal year, 1 April – 31 March, named by the year it starts in）"
FISCAL_YEAR_LABEL = "年度の和暦表記（the fiscal year in Japanese, as letters print it）"
LG_CODE = "全国地方公共団体コード（6桁）（6-digit local government code, check digit last）"
LG_NAME = "地方公共団体名（local government name, as the registry writes it）"
PREFECTURE = "都道府県名（prefecture）"
IS_LEAD = "代表団体（代表提案者）か（whether this is the lead local government）"
PROGRAMME_ID = "事業の id（the registry's programme id）"
MARK = "事業の記号（the programme's legend mark: ☆ □ ○ ● ■）"
PROGRAMME_NAME = "事業名（programme name, as the round's fiscal year named it）"
