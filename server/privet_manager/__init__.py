"""Privet Manager: the manager wizard for Привет Супер."""
