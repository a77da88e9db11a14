"""Shared by the apps' demo steps (`manage.py seed_demo`, hetao.registry.demo_step)."""


def upsert(model, lookup: dict, values: dict, save) -> tuple[object, bool, bool]:
    """Create or update one record by its natural key through its service `save(instance=…)`;
    save only on change."""
    obj = model.objects.select_for_update().filter(**lookup).first()
    created = obj is None
    if created:
        obj, changed = model(**lookup, **values), True
    else:
        changed = False
        for name, value in values.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
    if changed:
        obj = save(instance=obj)
    return obj, created, changed
