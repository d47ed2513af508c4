"""Appraisal rules as plain functions: scoring, the formula language, grades and calibration, composites."""
