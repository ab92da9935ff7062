"""Referral views, split by subject: steps, actions, the child's voice and parents, closure, routes."""
