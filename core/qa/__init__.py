"""Quality assurance (质检): scorecards, scoring, reviews, disputes, the case library, calibration."""
