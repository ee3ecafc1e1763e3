#!/usr/bin/env python3
"""Check the Admin API compatibility corpus against the official Python SDK's type definitions.

The corpus (crates/spendlens-ingest/tests/compat/<endpoint>/*.json) holds saved Admin API pages
that together use every enum value and every field the official reference and SDK describe; its
sources are in crates/spendlens-ingest/tests/compat/SOURCES.md. Anthropic adds values (a service
tier, a product, an actor kind) and fields over time. This script reads the enum values
(`Literal[...]` aliases and fields) and the field names of the response models straight from the
SDK's source files, without importing the SDK, and prints what the SDK knows that the corpus does
not use yet ("NEW"), and what the corpus uses that the SDK does not list ("not in SDK").

Usage (Python 3.9+, standard library only):

    # the SDK version to compare with, in a throwaway virtualenv
    python3 -m venv /tmp/v && /tmp/v/bin/pip install anthropic==2.17.0
    python3 scripts/refresh-compat-corpus.py --sdk /tmp/v/lib/python3*/site-packages/anthropic

    # or without installing: a downloaded wheel, or an unpacked one
    pip download --no-deps -d /tmp/sdk anthropic==2.17.0
    python3 scripts/refresh-compat-corpus.py --sdk /tmp/sdk/anthropic-2.17.0-py3-none-any.whl

    # the enum table from the SDK, as Markdown (to refresh SOURCES.md by hand)
    python3 scripts/refresh-compat-corpus.py --sdk ... --markdown

    # machine-readable result
    python3 scripts/refresh-compat-corpus.py --sdk ... --json

Without --sdk the script uses the `anthropic` package the running interpreter would import (it is
located, not imported). --corpus points at another corpus directory.

Exit status: 0 when the corpus covers everything the SDK lists; 1 when the SDK lists values or
fields the corpus does not use yet (add a page or a row: see SOURCES.md); 2 when the SDK or the
corpus cannot be read, or a type this script reads has moved or been renamed in the SDK (update
the CHECKS table below).

Coverage notes:
- The legacy reports (`/usage_report/messages`, `/cost_report`, `/usage_report/claude_code`) are
  not in the Python SDK (2.17.0). Their enum fields are compared with the analytics types that the
  current API reference uses for the same fields (e.g. the usage report's `context_window[]` filter
  is typed `BetaAnalyticsContextWindow`); those checks are marked "proxy". The Claude Code report
  has no SDK type to compare with at all. The script says so if a later SDK ships these reports.
- Rows of api_keys/list-2026-08-reference-shape.json follow an older documented shape and are
  left out of the API key checks.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import glob
import importlib.util
import json
import os
import sys
import zipfile
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Optional

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(SCRIPT_DIR, "..", "crates", "spendlens-ingest", "tests", "compat")

# Paths below are relative to the `anthropic` package directory.
ORG = "types/organization"
BORG = "types/beta/organization"
BAN = "types/beta/organization/analytics"


class SdkError(Exception):
    """A file or type this script expects is not in the SDK."""


# ----------------------------------------------------------------------------------------------
# Reading the SDK: a package directory, a site-packages directory, or a wheel.
# ----------------------------------------------------------------------------------------------


class Sdk:
    def __init__(self, location: str):
        location = os.path.abspath(os.path.expanduser(location))
        self.zip: Optional[zipfile.ZipFile] = None
        self.root = ""
        if os.path.isfile(location) and zipfile.is_zipfile(location):
            self.zip = zipfile.ZipFile(location)
            self.root = "anthropic/"
            self.where = location
        elif os.path.isdir(os.path.join(location, "anthropic", "types")):
            self.root = os.path.join(location, "anthropic")
            self.where = self.root
        elif os.path.isdir(os.path.join(location, "types")):
            self.root = location
            self.where = location
        else:
            raise SdkError(f"{location}: neither an `anthropic` package directory, a directory holding one, nor a wheel")
        self._trees: dict[str, ast.Module] = {}

    def read(self, rel: str) -> str:
        try:
            if self.zip is not None:
                return self.zip.read(self.root + rel).decode("utf-8")
            with open(os.path.join(self.root, rel), encoding="utf-8") as handle:
                return handle.read()
        except (KeyError, FileNotFoundError) as error:
            raise SdkError(f"{rel}: not in the SDK ({error.__class__.__name__})") from None

    def files(self, prefix: str) -> Iterator[str]:
        if self.zip is not None:
            for name in self.zip.namelist():
                if name.startswith(self.root + prefix) and name.endswith(".py"):
                    yield name[len(self.root):]
        else:
            base = os.path.join(self.root, prefix)
            for folder, _dirs, names in os.walk(base):
                for name in names:
                    if name.endswith(".py"):
                        yield os.path.relpath(os.path.join(folder, name), self.root)

    def tree(self, rel: str) -> ast.Module:
        if rel not in self._trees:
            self._trees[rel] = ast.parse(self.read(rel), filename=rel)
        return self._trees[rel]

    def version(self) -> str:
        for node in ast.walk(self.tree("_version.py")):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__version__" for t in node.targets):
                if isinstance(node.value, ast.Constant):
                    return str(node.value.value)
        return "unknown"


def literal_strings(node: ast.AST) -> list[str]:
    """Every string inside a `Literal[...]` anywhere in an annotation or alias expression."""
    found: list[str] = []
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript) and getattr(sub.value, "id", getattr(sub.value, "attr", None)) == "Literal":
            for const in ast.walk(sub.slice):
                if isinstance(const, ast.Constant) and isinstance(const.value, str):
                    found.append(const.value)
    return found


def alias_values(sdk: Sdk, rel: str, name: str) -> list[str]:
    """`Name: TypeAlias = Literal["a", "b"]` (or a plain assignment) in `rel`."""
    for node in sdk.tree(rel).body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == name and node.value is not None:
            values = literal_strings(node.value)
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            values = literal_strings(node.value)
        else:
            continue
        if values:
            return sorted(set(values))
    raise SdkError(f"{rel}: no Literal alias named {name}")


def find_class(sdk: Sdk, rel: str, cls: str) -> ast.ClassDef:
    for node in sdk.tree(rel).body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            return node
    raise SdkError(f"{rel}: no class {cls}")


def field_values(sdk: Sdk, rel: str, cls: str, name: str) -> list[str]:
    """The Literal values of `cls.name`'s annotation."""
    for node in find_class(sdk, rel, cls).body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == name:
            values = literal_strings(node.annotation)
            if values:
                return sorted(set(values))
    raise SdkError(f"{rel}: {cls}.{name} has no Literal values")


def class_fields(sdk: Sdk, rel: str, cls: str) -> list[str]:
    """The annotated attributes of a response model (its JSON keys)."""
    names = []
    for node in find_class(sdk, rel, cls).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and not node.target.id.startswith("_"):
            names.append(node.target.id)
    if not names:
        raise SdkError(f"{rel}: {cls} has no fields")
    return sorted(names)


# ----------------------------------------------------------------------------------------------
# Reading the corpus.
# ----------------------------------------------------------------------------------------------

MISSING = object()


def walk(value, path: list[str]) -> Iterator[object]:
    """Values at a path like ["data[]", "group", "actor", "type"]; `[]` iterates a list."""
    if not path:
        yield value
        return
    head, rest = path[0], path[1:]
    many = head.endswith("[]")
    key = head[:-2] if many else head
    if key:
        if not isinstance(value, dict) or key not in value:
            return
        value = value[key]
    if many:
        if isinstance(value, list):
            for item in value:
                yield from walk(item, rest)
    else:
        yield from walk(value, rest)


@dataclass
class Pages:
    """The corpus pages of one endpoint directory, optionally filtered by file name."""

    endpoint: str
    include: str = "*.json"
    exclude: tuple[str, ...] = ()

    def load(self, corpus: str) -> list[tuple[str, object]]:
        folder = os.path.join(corpus, self.endpoint)
        if not os.path.isdir(folder):
            raise FileNotFoundError(f"{folder}: no such corpus directory")
        pages = []
        for path in sorted(glob.glob(os.path.join(folder, self.include))):
            name = os.path.basename(path)
            if any(fnmatch.fnmatch(name, pattern) for pattern in self.exclude):
                continue
            with open(path, encoding="utf-8") as handle:
                pages.append((f"{self.endpoint}/{name}", json.load(handle)))
        return pages

    def values(self, corpus: str, path: str) -> set:
        found = set()
        for _name, page in self.load(corpus):
            for value in walk(page, path.split(".")):
                if value is None or isinstance(value, (str, int, float, bool)):
                    found.add(value)
                elif isinstance(value, list):
                    found.update(v for v in value if isinstance(v, (str, int, float, bool)))
        return found

    def objects(self, corpus: str, path: str) -> list[dict]:
        found = []
        for _name, page in self.load(corpus):
            for value in walk(page, path.split(".") if path else []):
                if isinstance(value, dict):
                    found.append(value)
        return found


# ----------------------------------------------------------------------------------------------
# Checks.
# ----------------------------------------------------------------------------------------------


@dataclass
class Result:
    check: str
    kind: str
    source: str
    sdk: list
    corpus: list
    new: list
    not_in_sdk: list
    note: str = ""
    error: str = ""


@dataclass
class Check:
    name: str
    kind: str  # "enum" | "fields" | "group_by"
    source: str  # where the SDK side comes from, for the report
    sdk: Callable[[Sdk], list[str]]
    pages: Pages
    path: str
    proxy: bool = False  # SDK type is the analytics one the reference reuses for a legacy field
    subset: bool = False  # the reference lists only part of the SDK values for this field
    allowed_extra: tuple = ()  # corpus values documented elsewhere (SOURCES.md), not SDK literals
    discriminator: Optional[tuple[str, str]] = None  # (key, value): only objects of this variant
    note: str = ""

    def run(self, sdk: Sdk, corpus: str) -> Result:
        try:
            expected = sorted(set(self.sdk(sdk)))
        except SdkError as error:
            return Result(self.name, self.kind, self.source, [], [], [], [], self.note, str(error))
        if self.kind == "enum":
            seen = sorted(v for v in self.pages.values(corpus, self.path) if v is not None)
            new = [] if self.subset else [v for v in expected if v not in seen]
            extra = [v for v in seen if v not in expected and v not in self.allowed_extra]
            return Result(self.name, self.kind, self.source, expected, seen, new, extra, self.note)
        objects = self.pages.objects(corpus, self.path)
        if self.discriminator:
            key, value = self.discriminator
            objects = [o for o in objects if o.get(key) == value]
        if self.kind == "fields":
            keys = sorted({k for o in objects for k in o})
            new = [f for f in expected if f not in keys] if objects else list(expected)
            extra = [k for k in keys if k not in expected and k not in self.allowed_extra]
            return Result(self.name, self.kind, self.source, expected, keys, new, extra, self.note)
        if self.kind == "group_by":
            grouped = sorted({k for o in objects for k, v in o.items() if v is not None})
            new = [d for d in expected if d not in grouped]
            return Result(self.name, self.kind, self.source, expected, grouped, new, [], self.note)
        raise ValueError(self.kind)


def alias(rel: str, name: str) -> Callable[[Sdk], list[str]]:
    return lambda sdk: alias_values(sdk, rel, name)


def field_literal(rel: str, cls: str, name: str) -> Callable[[Sdk], list[str]]:
    return lambda sdk: field_values(sdk, rel, cls, name)


def fields(rel: str, cls: str) -> Callable[[Sdk], list[str]]:
    return lambda sdk: class_fields(sdk, rel, cls)


def union(*parts: Callable[[Sdk], list[str]], extra: Iterable[str] = ()) -> Callable[[Sdk], list[str]]:
    return lambda sdk: sorted({v for part in parts for v in part(sdk)} | set(extra))


def type_literal(rel: str, cls: str) -> Callable[[Sdk], list[str]]:
    return field_literal(rel, cls, "type")


AU = Pages("analytics_usage")
AC = Pages("analytics_cost")
UR = Pages("usage_report_messages")
CR = Pages("cost_report")
WS = Pages("workspaces")
AK = Pages("api_keys", exclude=("list-2026-08-reference-shape.json",))
US = Pages("users")

SERVICE_TIER = alias(f"{BORG}/beta_analytics_service_tier.py", "BetaAnalyticsServiceTier")
CONTEXT_WINDOW = alias(f"{BORG}/beta_analytics_context_window.py", "BetaAnalyticsContextWindow")
GEO_GROUP = alias(f"{BORG}/beta_analytics_usage_cost_inference_geo.py", "BetaAnalyticsUsageCostInferenceGeo")
GEO_FILTER = alias(f"{BORG}/beta_analytics_inference_geo_filter.py", "BetaAnalyticsInferenceGeoFilter")
SPEED = alias(f"{BORG}/beta_analytics_speed.py", "BetaAnalyticsSpeed")
ACTOR_TYPE = alias(f"{BORG}/beta_analytics_actor_type.py", "BetaAnalyticsActorType")
TAG_CATEGORY = alias(f"{BORG}/beta_analytics_claude_tag_category.py", "BetaAnalyticsClaudeTagCategory")
COST_TYPE = alias(f"{BORG}/beta_analytics_grouped_cost_type.py", "BetaAnalyticsGroupedCostType")
TOKEN_TYPE = alias(f"{BORG}/beta_analytics_token_type.py", "BetaAnalyticsTokenType")
PRODUCT = alias(f"{BORG}/beta_analytics_usage_cost_product_filter.py", "BetaAnalyticsUsageCostProductFilter")
PROVIDER = union(
    type_literal(f"{BORG}/beta_analytics_federated_actor_aws_provider.py", "BetaAnalyticsFederatedActorAWSProvider"),
    type_literal(f"{BORG}/beta_analytics_federated_actor_azure_provider.py", "BetaAnalyticsFederatedActorAzureProvider"),
    type_literal(f"{BORG}/beta_analytics_federated_actor_gcp_provider.py", "BetaAnalyticsFederatedActorGCPProvider"),
    type_literal(f"{BORG}/beta_analytics_federated_actor_oidc_provider.py", "BetaAnalyticsFederatedActorOIDCProvider"),
)
ACTOR_CLASSES = {
    "user_actor": (f"{BORG}/beta_analytics_report_user_actor.py", "BetaAnalyticsReportUserActor"),
    "service_account_actor": (f"{BORG}/beta_analytics_service_account_actor.py", "BetaAnalyticsServiceAccountActor"),
    "federated_actor": (f"{BORG}/beta_analytics_federated_actor.py", "BetaAnalyticsFederatedActor"),
    "api_actor": (f"{BORG}/beta_analytics_api_actor.py", "BetaAnalyticsAPIActor"),
}
PRODUCT_EXTRAS = ("cc_security_autopatch", "other")  # named in the group's `product` docstring


def checks() -> list[Check]:
    out: list[Check] = []
    # --- 4. analytics usage and cost (beta analytics-usage-cost-2026-08-24) ---
    for pages, label in ((AU, "analytics usage"), (AC, "analytics cost")):
        out += [
            Check(f"{label}: group.service_tier", "enum", "BetaAnalyticsServiceTier", SERVICE_TIER, pages, "data[].group.service_tier"),
            Check(f"{label}: group.context_window", "enum", "BetaAnalyticsContextWindow", CONTEXT_WINDOW, pages, "data[].group.context_window"),
            Check(f"{label}: group.inference_geo", "enum", "BetaAnalyticsUsageCostInferenceGeo", GEO_GROUP, pages, "data[].group.inference_geo"),
            Check(f"{label}: group.speed", "enum", "BetaAnalyticsSpeed", SPEED, pages, "data[].group.speed"),
            Check(f"{label}: group.actor_type", "enum", "BetaAnalyticsActorType", ACTOR_TYPE, pages, "data[].group.actor_type"),
            Check(f"{label}: group.product", "enum", "BetaAnalyticsUsageCostProductFilter (+ docstring values)", PRODUCT, pages,
                  "data[].group.product", subset=pages is AC, allowed_extra=PRODUCT_EXTRAS),
            Check(f"{label}: group.claude_tag_category", "enum", "BetaAnalyticsClaudeTagCategory", TAG_CATEGORY, pages,
                  "data[].group.claude_tag_category", subset=pages is AC),
        ]
    out += [
        Check("analytics usage: group.actor.type", "enum", "BetaAnalyticsActor union", ACTOR_TYPE, AU, "data[].group.actor.type"),
        Check("analytics usage: group.actor.provider.type", "enum", "BetaAnalyticsFederatedActorProvider union", PROVIDER, AU,
              "data[].group.actor.provider.type"),
        Check("analytics cost: group.cost_type", "enum", "BetaAnalyticsGroupedCostType", COST_TYPE, AC, "data[].group.cost_type"),
        Check("analytics cost: group.token_type", "enum", "BetaAnalyticsTokenType", TOKEN_TYPE, AC, "data[].group.token_type"),
        Check("analytics usage: group_by[] dimensions", "group_by", "BetaAnalyticsUsageGroupBy",
              alias(f"{BAN}/beta_analytics_usage_group_by.py", "BetaAnalyticsUsageGroupBy"), AU, "data[].group"),
        Check("analytics cost: group_by[] dimensions", "group_by", "BetaAnalyticsCostGroupBy",
              alias(f"{BAN}/beta_analytics_cost_group_by.py", "BetaAnalyticsCostGroupBy"), AC, "data[].group"),
        Check("analytics usage: page envelope", "fields", "SyncReportPageCursor", fields("pagination.py", "SyncReportPageCursor"), AU, ""),
        Check("analytics cost: page envelope", "fields", "SyncReportPageCursor", fields("pagination.py", "SyncReportPageCursor"), AC, ""),
        Check("analytics usage: row", "fields", "BetaAnalyticsUsageItem", fields(f"{BAN}/beta_analytics_usage_item.py", "BetaAnalyticsUsageItem"), AU, "data[]"),
        Check("analytics usage: group", "fields", "BetaAnalyticsUsageGroup", fields(f"{BAN}/beta_analytics_usage_group.py", "BetaAnalyticsUsageGroup"), AU, "data[].group"),
        Check("analytics usage: usage", "fields", "BetaAnalyticsUsageMetrics", fields(f"{BAN}/beta_analytics_usage_metrics.py", "BetaAnalyticsUsageMetrics"), AU, "data[].usage"),
        Check("analytics usage: usage.cache_creation", "fields", "BetaCacheCreation", fields("types/beta/beta_cache_creation.py", "BetaCacheCreation"), AU, "data[].usage.cache_creation"),
        Check("analytics usage: usage.server_tool_use", "fields", "BetaAnalyticsServerToolUse",
              fields(f"{BORG}/beta_analytics_server_tool_use.py", "BetaAnalyticsServerToolUse"), AU, "data[].usage.server_tool_use"),
        Check("analytics cost: row", "fields", "BetaAnalyticsCostItem", fields(f"{BAN}/beta_analytics_cost_item.py", "BetaAnalyticsCostItem"), AC, "data[]"),
        Check("analytics cost: group", "fields", "BetaAnalyticsCostGroup", fields(f"{BAN}/beta_analytics_cost_group.py", "BetaAnalyticsCostGroup"), AC, "data[].group"),
        Check("analytics cost: cost", "fields", "BetaAnalyticsCostMetrics", fields(f"{BAN}/beta_analytics_cost_metrics.py", "BetaAnalyticsCostMetrics"), AC, "data[].cost"),
    ]
    for actor_type, (rel, cls) in ACTOR_CLASSES.items():
        out.append(Check(f"analytics usage: group.actor ({actor_type})", "fields", cls, fields(rel, cls), AU, "data[].group.actor",
                         discriminator=("type", actor_type)))
    # --- 1./2. legacy reports: compared with the analytics types the reference reuses ---
    out += [
        Check("usage report: results[].service_tier", "enum", "BetaAnalyticsServiceTier", SERVICE_TIER, UR, "data[].results[].service_tier", proxy=True),
        Check("usage report: results[].context_window", "enum", "BetaAnalyticsContextWindow", CONTEXT_WINDOW, UR, "data[].results[].context_window", proxy=True),
        Check("usage report: results[].inference_geo", "enum", "BetaAnalyticsInferenceGeoFilter", GEO_FILTER, UR, "data[].results[].inference_geo", proxy=True),
        Check("usage report: results[].speed", "enum", "BetaAnalyticsSpeed", SPEED, UR, "data[].results[].speed", proxy=True,
              note="presence of `speed` in results is UNCONFIRMED"),
        Check("usage report: results[].cache_creation", "fields", "BetaCacheCreation", fields("types/beta/beta_cache_creation.py", "BetaCacheCreation"),
              UR, "data[].results[].cache_creation", proxy=True),
        Check("cost report: results[].service_tier", "enum", "BetaAnalyticsServiceTier", SERVICE_TIER, CR, "data[].results[].service_tier", proxy=True,
              subset=True, note="the reference lists only batch and standard for the cost report"),
        Check("cost report: results[].context_window", "enum", "BetaAnalyticsContextWindow", CONTEXT_WINDOW, CR, "data[].results[].context_window", proxy=True),
        Check("cost report: results[].inference_geo", "enum", "BetaAnalyticsInferenceGeoFilter", GEO_FILTER, CR, "data[].results[].inference_geo", proxy=True),
        Check("cost report: results[].cost_type", "enum", "BetaAnalyticsGroupedCostType", COST_TYPE, CR, "data[].results[].cost_type", proxy=True),
        Check("cost report: results[].token_type", "enum", "BetaAnalyticsTokenType", TOKEN_TYPE, CR, "data[].results[].token_type", proxy=True),
    ]
    # --- 5. listings ---
    out += [
        Check("listings: page envelope (workspaces)", "fields", "SyncPage", fields("pagination.py", "SyncPage"), WS, ""),
        Check("listings: page envelope (api_keys)", "fields", "SyncPage", fields("pagination.py", "SyncPage"), AK, ""),
        Check("listings: page envelope (users)", "fields", "SyncPage", fields("pagination.py", "SyncPage"), US, ""),
        Check("workspaces: item", "fields", "Workspace", fields(f"{ORG}/workspace.py", "Workspace"), WS, "data[]"),
        Check("workspaces: data_residency", "fields", "DataResidency", fields(f"{ORG}/data_residency.py", "DataResidency"), WS, "data[].data_residency"),
        Check("workspaces: data_residency.default_inference_geo", "enum", "DataResidency.default_inference_geo",
              field_literal(f"{ORG}/data_residency.py", "DataResidency", "default_inference_geo"), WS, "data[].data_residency.default_inference_geo"),
        Check("workspaces: data_residency.workspace_geo", "enum", "DataResidency.workspace_geo",
              field_literal(f"{ORG}/data_residency.py", "DataResidency", "workspace_geo"), WS, "data[].data_residency.workspace_geo"),
        Check("workspaces: data_residency.allowed_inference_geos", "enum", "AllowedInferenceGeo | 'unrestricted'",
              union(alias(f"{ORG}/allowed_inference_geo.py", "AllowedInferenceGeo"),
                    field_literal(f"{ORG}/data_residency.py", "DataResidency", "allowed_inference_geos")),
              WS, "data[].data_residency.allowed_inference_geos"),
        Check("api_keys: item", "fields", "APIKey", fields(f"{ORG}/api_key.py", "APIKey"), AK, "data[]"),
        Check("api_keys: status", "enum", "APIKey.status", field_literal(f"{ORG}/api_key.py", "APIKey", "status"), AK, "data[].status"),
        Check("api_keys: created_by.type", "enum", "APIKeyCreatedBy.type", type_literal(f"{ORG}/api_key_created_by.py", "APIKeyCreatedBy"),
              AK, "data[].created_by.type"),
        Check("api_keys: principal.type", "enum", "APIKeyUserActor | APIKeyServiceAccountActor",
              union(type_literal(f"{ORG}/api_key_user_actor.py", "APIKeyUserActor"),
                    type_literal(f"{ORG}/api_key_service_account_actor.py", "APIKeyServiceAccountActor")), AK, "data[].principal.type"),
        Check("api_keys: scope.type", "enum", "APIKeyOrganizationScope | APIKeyWorkspaceScope",
              union(type_literal(f"{ORG}/api_key_organization_scope.py", "APIKeyOrganizationScope"),
                    type_literal(f"{ORG}/api_key_workspace_scope.py", "APIKeyWorkspaceScope")), AK, "data[].scope.type"),
        Check("users: item", "fields", "OrganizationUser", fields(f"{ORG}/organization_user.py", "OrganizationUser"), US, "data[]"),
        Check("users: role", "enum", "OrganizationRole", alias("types/organization_role.py", "OrganizationRole"), US, "data[].role"),
    ]
    return out


LEGACY_PATHS = {
    "/v1/organizations/usage_report/messages": "usage_report_messages",
    "/v1/organizations/cost_report": "cost_report",
    "/v1/organizations/usage_report/claude_code": "usage_report_claude_code",
}


def legacy_reports_in_sdk(sdk: Sdk) -> dict[str, list[str]]:
    """SDK resource files that call a legacy report path (none in 2.17.0)."""
    found: dict[str, list[str]] = {}
    for rel in sdk.files("resources/"):
        text = sdk.read(rel)
        for path in LEGACY_PATHS:
            if f'"{path}"' in text:
                found.setdefault(path, []).append(rel)
    return found


# ----------------------------------------------------------------------------------------------
# Output.
# ----------------------------------------------------------------------------------------------


def fmt(values: Iterable) -> str:
    return ", ".join("null" if v is None else str(v) for v in values) or "-"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sdk", help="the `anthropic` package directory, a site-packages directory, or a wheel (.whl)")
    parser.add_argument("--corpus", default=DEFAULT_CORPUS, help="corpus directory (default: %(default)s)")
    parser.add_argument("--markdown", action="store_true", help="print the SDK's enum values as a Markdown table")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)

    location = args.sdk
    if location is None:
        spec = importlib.util.find_spec("anthropic")
        if spec is None or not spec.submodule_search_locations:
            print("error: no --sdk given and no `anthropic` package importable here", file=sys.stderr)
            return 2
        location = list(spec.submodule_search_locations)[0]
    else:
        matches = sorted(glob.glob(os.path.expanduser(location)))
        location = matches[0] if matches else location
    try:
        sdk = Sdk(location)
        version = sdk.version()
        legacy = legacy_reports_in_sdk(sdk)
    except SdkError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    corpus = os.path.normpath(args.corpus)
    try:
        results = [check.run(sdk, corpus) for check in checks()]
    except (FileNotFoundError, json.JSONDecodeError) as error:
        print(f"error: corpus: {error}", file=sys.stderr)
        return 2
    errors = [r for r in results if r.error]
    gaps = [r for r in results if r.new and not r.error]

    if args.json:
        json.dump({"sdk": sdk.where, "sdk_version": version, "corpus": corpus,
                   "legacy_reports_in_sdk": legacy,
                   "results": [r.__dict__ for r in results]}, sys.stdout, indent=2, default=str)
        print()
    elif args.markdown:
        print(f"SDK enum values from anthropic {version} ({sdk.where})\n")
        print("| corpus field | SDK type | values |")
        print("|---|---|---|")
        for r in results:
            if r.kind == "enum" and not r.error:
                print(f"| {r.check} | {r.source} | {fmt(r.sdk)} |")
    else:
        print(f"anthropic {version} at {sdk.where}")
        print(f"corpus {corpus}")
        for path, endpoint in LEGACY_PATHS.items():
            if path in legacy:
                print(f"NOTICE  the SDK now has {path} ({', '.join(legacy[path])}): add checks for {endpoint}/")
            else:
                print(f"note    {path} is not in this SDK: {endpoint}/ is checked only through proxies (see SOURCES.md)")
        for r in results:
            tag = "proxy " if any(c.name == r.check and c.proxy for c in checks()) else ""
            if r.error:
                print(f"ERROR   {r.check}: {r.error}")
            elif r.new:
                print(f"NEW     {r.check} [{tag}{r.source}]: SDK lists {fmt(r.new)} not in the corpus (SDK: {fmt(r.sdk)})")
            else:
                print(f"ok      {r.check} [{tag}{r.source}]: {fmt(r.sdk)}")
            if r.not_in_sdk and not r.error:
                print(f"        not in SDK: {fmt(r.not_in_sdk)}")
            if r.note:
                print(f"        note: {r.note}")
        print(f"{len(results)} checks: {len(results) - len(gaps) - len(errors)} ok, {len(gaps)} with new SDK values, {len(errors)} errors")
    if errors:
        return 2
    return 1 if gaps else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # output piped into `head`
        sys.exit(0)
