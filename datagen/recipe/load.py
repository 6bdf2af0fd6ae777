"""Find, parse, merge and validate recipes; turn every problem into one clear line.

A recipe is a bundled name (`subtitles` -> recipes/subtitles.yaml) or a path. A recipe
may start from another with `extends: NAME_OR_PATH` (mappings merge key by key, lists
and scalars replace). `allowed_roots: [FOLDER, ...]` (relative to the recipe's folder)
limits which files `extends` may read, from that recipe on up the chain: a path that
resolves (after `..` and symlinks) outside every listed folder is refused; bundled
recipe names are always allowed. Command-line overrides are applied last as dotted
keys (`background=...`, `clip.frames=8`).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from datagen.errors import RecipeError
from datagen.paths import recipes_dir
from datagen.recipe.schema import RecipeBase, recipe_model


def bundled_recipes() -> dict[str, Path]:
    d = recipes_dir()
    return {p.stem: p for p in sorted(d.glob("*.yaml"))} if d.is_dir() else {}


def resolve_recipe_path(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    s = str(name_or_path)
    p = Path(s)
    try:
        if relative_to is not None and not p.is_absolute():
            cand = relative_to / p
            if cand.exists():
                return cand.resolve()
        if p.suffix in (".yaml", ".yml") or "/" in s or p.exists():
            if not p.exists():
                raise RecipeError("recipe file not found", path=s)
            if p.is_dir():
                raise RecipeError("is a directory, not a recipe file", path=s)
            return p.resolve()
    except OSError as e:  # e.g. a folder on the way that we may not enter
        raise RecipeError(f"cannot access recipe file ({e.strerror})", path=s) from None
    bundled = bundled_recipes()
    if s in bundled:
        return bundled[s].resolve()
    known = ", ".join(bundled) or "none"
    raise RecipeError(f"no bundled recipe named '{s}' (bundled: {known}) and no such file")


def _read_yaml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise RecipeError(f"not UTF-8 text ({e.reason} at byte {e.start})", path=str(path)) from None
    except OSError as e:
        raise RecipeError(f"cannot read ({e.strerror})", path=str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise RecipeError(f"invalid YAML: {where}{problem}", path=str(path)) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RecipeError(f"a recipe must be a mapping of keys, got {type(data).__name__}", path=str(path))
    return data


def deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def _allowed_roots(value: Any, path: Path) -> tuple[Path, ...] | None:
    """The folders a recipe's `allowed_roots` lists, resolved against its own folder."""
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(v, str) and v for v in items):
        raise RecipeError(f"allowed_roots: expected a list of folders, got {value!r}", path=str(path))
    return tuple((path.parent / v).resolve() for v in items)


def _check_roots(parent: str, parent_path: Path, roots: tuple[tuple[Path, ...], ...], path: Path) -> None:
    """Refuse an `extends` target outside the roots of any recipe below it in the chain."""
    bundled = bundled_recipes()
    if parent in bundled and bundled[parent].resolve() == parent_path:
        return
    for allowed in roots:
        if not any(parent_path.is_relative_to(r) for r in allowed):
            listed = ", ".join(str(r) for r in allowed)
            raise RecipeError(f"extends: '{parent}' resolves to {parent_path}, outside the allowed roots ({listed})",
                              path=str(path))


def _load_raw(path: Path, chain: tuple[Path, ...] = (), roots: tuple[tuple[Path, ...], ...] = ()) -> dict:
    if path in chain:
        loop = " -> ".join(str(p.name) for p in (*chain, path))
        raise RecipeError(f"'extends' forms a loop: {loop}", path=str(chain[0]))
    data = _read_yaml(path)
    own_roots = _allowed_roots(data.pop("allowed_roots", None), path)
    if own_roots is not None:
        roots = (*roots, own_roots)
    parent = data.pop("extends", None)
    if parent is None:
        data.setdefault("name", path.stem)
        return data
    if not isinstance(parent, str):
        raise RecipeError(f"extends: expected a recipe name or path, got {parent!r}", path=str(path))
    try:
        parent_path = resolve_recipe_path(parent, relative_to=path.parent)
    except RecipeError as e:
        raise RecipeError(f"extends: {e}", path=str(path)) from None
    _check_roots(parent, parent_path, roots, path)
    base = _load_raw(parent_path, (*chain, path), roots)
    base.pop("name", None)
    merged = deep_merge(base, data)
    merged.setdefault("name", path.stem)
    return merged


def parse_override(item: str) -> tuple[list[str], Any]:
    if "=" not in item:
        raise RecipeError(f"override '{item}' must look like key.path=value")
    key, value = item.split("=", 1)
    try:
        parsed = yaml.safe_load(value) if value else ""
    except yaml.YAMLError:
        parsed = value
    return key.strip().split("."), parsed


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    data = json.loads(json.dumps(data))  # deep copy of plain data
    for item in overrides:
        keys, value = parse_override(item)
        node: Any = data
        for k in keys[:-1]:
            if isinstance(node, list) and len(node) == 1 and not k.isdigit():
                node = node[0]  # a one-entry list (e.g. background) may be addressed without [0]
            if isinstance(node, list) and k.isdigit() and int(k) < len(node):
                node = node[int(k)]
            elif isinstance(node, dict):
                node = node.setdefault(k, {})
            else:
                raise RecipeError(f"override '{item}': cannot descend into '{k}'")
        last = keys[-1]
        if isinstance(node, list) and len(node) == 1 and not last.isdigit():
            node = node[0]
        if isinstance(node, list) and last.isdigit() and int(last) < len(node):
            node[int(last)] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise RecipeError(f"override '{item}': cannot set '{last}'")
    return data


def _fmt_loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _clean_loc(loc: tuple, raw: Any) -> tuple:
    """Drop the union-tag parts pydantic inserts (layers.0.subtitle.size -> layers.0.size)."""
    out: list = []
    node = raw
    i = 0
    while i < len(loc):
        part = loc[i]
        if isinstance(node, dict) and isinstance(part, str) and part not in node and node.get("type") == part:
            i += 1
            continue
        if isinstance(node, dict) and isinstance(part, str) and part.startswith("function-"):
            i += 1
            continue
        out.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            node = None
        i += 1
    return tuple(out)


def _allowed_keys(model: type[BaseModel], loc: tuple, raw: Any) -> list[str] | None:
    """Field names of the model that holds the unknown key at `loc` (best effort)."""
    from datagen.backgrounds import background_spec_for
    from datagen.layers import layer_spec_for

    cur: Any = model
    node = raw
    for part in loc[:-1]:
        if isinstance(node, list) and isinstance(part, int):
            node = node[part] if part < len(node) else None
            continue
        if not (isinstance(cur, type) and issubclass(cur, BaseModel)) or part not in cur.model_fields:
            return None
        node = node.get(part) if isinstance(node, dict) else None
        if part == "layers" and cur is model:
            cur = "layers"
        elif part == "background" and cur is model:
            cur = "background"
        else:
            cur = cur.model_fields[part].annotation
        if cur in ("layers", "background") and isinstance(node, dict):
            cur = (layer_spec_for if cur == "layers" else background_spec_for)(node.get("type"))
        elif cur in ("layers", "background"):
            continue
        else:
            cur = _unwrap_model(cur)
    if isinstance(cur, str) and isinstance(node, dict):
        cur = (layer_spec_for if cur == "layers" else background_spec_for)(node.get("type"))
    if isinstance(cur, type) and issubclass(cur, BaseModel):
        return sorted(cur.model_fields)
    return None


def _unwrap_model(ann: Any) -> Any:
    import typing

    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in typing.get_args(ann):
        m = _unwrap_model(arg)
        if m is not None:
            return m
    return None


def format_validation_error(e: ValidationError, raw: dict, source: str) -> str:
    model = recipe_model()
    lines = []
    for err in e.errors():
        loc = _clean_loc(tuple(err["loc"]), raw)
        msg = err["msg"]
        for prefix in ("Value error, ", "Assertion failed, "):
            if msg.startswith(prefix):
                msg = msg[len(prefix):]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, loc, raw)
            msg = f"unknown key '{loc[-1]}'" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
        elif err["type"] == "union_tag_invalid":
            ctx = err.get("ctx", {})
            msg = f"unknown type {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
            loc = (*loc, "type")
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif "input" in err and err["type"] not in ("value_error", "assertion_error"):
            msg = f"{msg}, got {err['input']!r}"
        lines.append(f"{source}: {_fmt_loc(loc)}: {msg}")
    # one line for the first problem; the rest follow indented so nothing is hidden
    return lines[0] + "".join(f"\n  also {ln}" for ln in lines[1:])


def validate_recipe(data: dict, source: str) -> RecipeBase:
    model = recipe_model()
    if isinstance(data.get("background"), dict):
        data = {**data, "background": [data["background"]]}
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise RecipeError(format_validation_error(e, data, source)) from None


def load_recipe(name_or_path: str | Path, overrides: list[str] | None = None) -> RecipeBase:
    path = resolve_recipe_path(name_or_path)
    data = _load_raw(path)
    if overrides:
        data = apply_overrides(data, overrides)
    recipe = validate_recipe(data, str(path))
    from datagen.recipe.check import check_resources

    check_resources(recipe, str(path))
    return recipe


def recipe_from_dict(data: dict, source: str = "<recipe>") -> RecipeBase:
    recipe = validate_recipe(data, source)
    from datagen.recipe.check import check_resources

    check_resources(recipe, source)
    return recipe


def resolved_dict(recipe: RecipeBase) -> dict:
    return recipe.model_dump(mode="json")


def recipe_sha256(recipe: RecipeBase) -> str:
    blob = json.dumps(resolved_dict(recipe), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def to_yaml(recipe: RecipeBase) -> str:
    return yaml.safe_dump(resolved_dict(recipe), sort_keys=False, allow_unicode=True)
