"""A minimal kustomize, for the tests of the Kubernetes manifests (deploy/k8s).

No kustomize is importable from Python, so this module renders the overlays itself, in the minimal
way their kustomization files need: ``resources`` (files and directories), ``secretGenerator``
with ``behavior: replace``, strategic-merge patches (maps merged, ``null`` deletes a key,
``containers`` merged by name, ``$patch: delete``), JSON 6902 patches
(``replace``/``add``/``remove``), ``images`` and ``namespace``. Anything else in a kustomization
or a patch fails loudly instead of rendering wrongly; test_kustomize_render.py compares this
renderer with ``kubectl kustomize`` (required in CI, skipped on a machine without kubectl).
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]

KUSTOMIZATION_FIELDS = {
    "apiVersion",
    "kind",
    "namespace",
    "resources",
    "images",
    "patches",
    "secretGenerator",
}
# Lists a strategic-merge patch may contain, with the key their items merge on.
MERGE_KEYS = {"containers": "name"}


def render(directory: Path) -> list[Doc]:
    """What ``kubectl kustomize directory`` prints, for the features the manifests use."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(kustomization) - KUSTOMIZATION_FIELDS
    assert not unknown, f"{directory}: the test renderer does not implement {sorted(unknown)}"
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        path = directory / entry
        docs += render(path) if path.is_dir() else _load(path)
    for generator in kustomization.get("secretGenerator", []):
        docs = _generate_secret(directory, generator, docs)
    for patch in kustomization.get("patches", []):
        docs = _patch(directory, patch, docs)
    for image in kustomization.get("images", []):
        _set_image(docs, image)
    if namespace := kustomization.get("namespace"):
        for doc in docs:
            if doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = namespace
    return docs


def _load(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _generate_secret(directory: Path, generator: Doc, docs: list[Doc]) -> list[Doc]:
    assert set(generator) <= {"name", "behavior", "envs", "options"}, generator
    assert generator.get("behavior") == "replace", "only behavior: replace is implemented"
    values: dict[str, str] = {}
    for name in generator["envs"]:
        path = directory / name
        if not path.exists():  # secrets.env is never committed; its example has the same keys.
            path = path.with_name(f"{path.name}.example")
        for line in path.read_text().splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                key, _, value = line.partition("=")
                values[key.strip()] = value
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": generator["name"],
            "labels": generator.get("options", {}).get("labels", {}),
        },
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()},
    }
    replaced = [d for d in docs if _id(d) == ("Secret", generator["name"])]
    assert replaced, f"behavior: replace needs a Secret {generator['name']} in the resources"
    return [secret if _id(d) == ("Secret", generator["name"]) else d for d in docs]


def _patch(directory: Path, entry: Doc, docs: list[Doc]) -> list[Doc]:
    assert set(entry) <= {"path", "target"}, f"unsupported patch entry {entry}"
    patches = _load(directory / entry["path"])
    if len(patches) == 1 and isinstance(patches[0], list):  # JSON 6902
        target = entry["target"]
        matches = [d for d in docs if _id(d) == (target["kind"], target["name"])]
        assert len(matches) == 1, f"JSON 6902 target {target} matches {len(matches)} resources"
        for operation in patches[0]:
            _json6902(matches[0], operation)
        return docs
    assert "target" not in entry, "strategic-merge patches are matched by their own kind and name"
    for patch in patches:
        key = _id(patch)
        assert any(_id(d) == key for d in docs), f"patch {key} matches no resource"
        if patch.get("$patch") == "delete":
            docs = [d for d in docs if _id(d) != key]
        else:
            docs = [_merge(d, patch) if _id(d) == key else d for d in docs]
    return docs


def _merge(base: Any, patch: Any, key: str = "") -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for k, value in patch.items():
            if value is None:
                merged.pop(k, None)
            else:
                merged[k] = _merge(base[k], value, k) if k in base else copy.deepcopy(value)
        return merged
    if isinstance(patch, list) and any(isinstance(item, dict | list) for item in patch):
        assert key in MERGE_KEYS, f"the test renderer cannot strategic-merge the list {key!r}"
        merge_key = MERGE_KEYS[key]
        merged_items = [copy.deepcopy(item) for item in base]
        for item in patch:
            index = [i for i, b in enumerate(merged_items) if b[merge_key] == item[merge_key]]
            if index:
                merged_items[index[0]] = _merge(merged_items[index[0]], item)
            else:
                merged_items.append(copy.deepcopy(item))
        return merged_items
    return copy.deepcopy(patch)


def _json6902(doc: Doc, operation: Doc) -> None:
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in operation["path"].split("/")[1:]]
    parent: Any = doc
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    last: Any = int(tokens[-1]) if isinstance(parent, list) and tokens[-1] != "-" else tokens[-1]
    op = operation["op"]
    if op == "replace":
        assert last in parent if isinstance(parent, dict) else last < len(parent), operation
        parent[last] = copy.deepcopy(operation["value"])
    elif op == "add":
        if isinstance(parent, list):
            parent.insert(len(parent) if last == "-" else last, copy.deepcopy(operation["value"]))
        else:
            parent[last] = copy.deepcopy(operation["value"])
    elif op == "remove":
        del parent[last]
    else:
        raise AssertionError(f"the test renderer does not implement op {op!r}")


def _set_image(docs: list[Doc], image: Doc) -> None:
    for container in _containers_of_all(docs):
        name, tag = _split_image(container["image"])
        if name != image["name"]:
            continue
        name, tag = image.get("newName", name), image.get("newTag", tag)
        if "digest" in image:
            container["image"] = f"{name}@{image['digest']}"
        else:
            container["image"] = f"{name}:{tag}" if tag else name


def _split_image(image: str) -> tuple[str, str | None]:
    if "@" in image:
        return image.split("@", 1)[0], None
    name, _, tag = image.rpartition(":")
    if not name or "/" in tag:
        return image, None
    return name, tag


def _id(doc: Doc) -> tuple[str, str]:
    return doc["kind"], doc["metadata"]["name"]


def _containers_of_all(docs: list[Doc]) -> Iterator[Doc]:
    for doc in docs:
        if pod := _pod_spec(doc):
            yield from pod.get("initContainers", [])
            yield from pod["containers"]


def _pod_spec(doc: Doc) -> Doc | None:
    if doc["kind"] in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
        spec: Doc = doc["spec"]["template"]["spec"]
        return spec
    return None
