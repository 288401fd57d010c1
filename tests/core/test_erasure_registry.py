"""The registry: every model and storage location that can hold a candidate's data is
either erased or deliberately kept, with the reason in code."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models

from oneway.core.services.erasure import upload_owners
from oneway.core.services.erasure_registry import (
    ERASED_MODELS,
    KEPT_MODELS,
    LOCAL_FOLDERS,
    NON_FK_LINKS,
    STORAGE_FIELDS,
)

Model = type[models.Model]


def _label(model: Model) -> str:
    return model._meta.label_lower


def _links(model: Model) -> list[Model]:
    targets: list[Model] = []
    for field in model._meta.get_fields():
        if field.is_relation and not field.auto_created and field.related_model is not None:
            related = field.related_model
            if isinstance(related, type):
                targets.append(related)
        if isinstance(field, models.ManyToManyField):
            through = field.remote_field.through
            if isinstance(through, type):
                targets.append(through)
    for target in NON_FK_LINKS.get(_label(model), {}).values():
        targets.append(apps.get_model(target))
    return targets


def _all_models() -> list[Model]:
    return list(apps.get_models(include_auto_created=True))


def models_reaching_a_candidate() -> set[str]:
    """Models with a foreign-key path to the invitation, what those point at, the
    through tables of their many-to-many fields, and every model holding an email."""
    reaching = {"core.invitation"}
    changed = True
    while changed:
        changed = False
        for model in _all_models():
            label = _label(model)
            if label in reaching:
                continue
            if any(_label(target) in reaching for target in _links(model)):
                reaching.add(label)
                changed = True
    needed = set(reaching)
    for model in _all_models():
        if _label(model) in reaching:
            needed |= {_label(target) for target in _links(model)}
        if any(isinstance(f, models.EmailField) for f in model._meta.get_fields()):
            needed.add(_label(model))
    # The many-to-many tables of a reaching model (e.g. share links' candidates).
    for model in _all_models():
        if model._meta.auto_created and any(_label(t) in reaching for t in _links(model)):
            needed.add(_label(model))
    return needed


def test_every_model_that_reaches_a_candidate_is_erased_or_kept_with_a_reason() -> None:
    needed = models_reaching_a_candidate()
    unlisted = sorted(needed - set(ERASED_MODELS) - set(KEPT_MODELS))
    assert unlisted == [], f"Say in core/services/erasure.py what erasure does with {unlisted}"
    assert not set(ERASED_MODELS) & set(KEPT_MODELS)
    assert all(reason.strip() for reason in {**ERASED_MODELS, **KEPT_MODELS}.values())


def test_the_registry_names_only_models_that_exist() -> None:
    existing = {_label(m) for m in _all_models()}
    assert sorted((set(ERASED_MODELS) | set(KEPT_MODELS)) - existing) == []


def test_the_registry_walk_finds_the_models_it_must() -> None:
    # A registry test that found nothing could not fail.
    needed = models_reaching_a_candidate()
    assert {
        "reviews.rating",
        "reviews.commentmention",
        "media.mediaitem",
        "uploads.upload",
        "live.slotbooking",
        "reviews.sharelink_invitations",
        "core.memberinvite",
    } <= needed


def _storage_like(field: models.Field) -> bool:  # type: ignore[type-arg]
    if isinstance(field, models.FileField):
        return True
    return (
        isinstance(field, models.CharField)
        and field.name.endswith("_name")
        and (field.max_length or 0) >= 300
    )


def test_every_storage_field_is_in_the_registry() -> None:
    found = {
        (_label(model), field.name)
        for model in _all_models()
        for field in model._meta.concrete_fields
        if _storage_like(field)
    }
    listed = {(model, name) for model, fields in STORAGE_FIELDS.items() for name in fields}
    assert sorted(found - listed) == []
    assert sorted(listed - found) == []


def test_every_local_folder_setting_is_in_the_registry() -> None:
    folders = {
        name
        for name in dir(settings)
        if name.isupper() and name.endswith(("_DIR", "_ROOT")) and not name.startswith("TEST")
    }
    assert sorted(folders - set(LOCAL_FOLDERS)) == []


def test_erasure_knows_the_candidate_flows_upload_owners(org: object, admin_user: object) -> None:
    from oneway.candidate.policies import device_check_owner
    from oneway.candidate.testing import create_candidate

    link = create_candidate(org, actor=admin_user)  # type: ignore[arg-type]
    assert device_check_owner(link.invitation) in upload_owners(link.invitation)
