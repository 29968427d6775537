"""The event (one fiscal year's 研修会議) as data: models, cloning to another year, the FY2023 demo.

Every other feature reads the event from here; this package imports no feature.
"""
