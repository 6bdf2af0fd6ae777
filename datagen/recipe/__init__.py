"""Recipes: schema, distributions, loading."""
from datagen.recipe.load import load_recipe, recipe_from_dict, recipe_sha256, resolved_dict, to_yaml

__all__ = ["load_recipe", "recipe_from_dict", "recipe_sha256", "resolved_dict", "to_yaml"]
