"""The PDF infographics: plan (figures -> infographic HTML), render (HTML -> PDF in a
worker pool), tags (completing WeasyPrint's PDF/UA structure tree) and jobs (the plain
data passed between them). Importing this package does not load WeasyPrint."""
