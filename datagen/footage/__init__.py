"""Real background footage: video files, frame folders and still images.

The parts, in data-flow order:

    discover.py   paths / globs -> sorted lists of video files, frame folders, still images
    ffmpeg.py     probe a video and decode an exact window of frames (subprocess, timeouts)
    index.py      one entry per source (frames, fps, size, ...), cached as JSON and reused
    fit.py        cover-crop / letterbox / subtitle-band crop: one plan, ffmpeg and OpenCV forms
    filters.py    reject windows across a shot cut, nearly static, nearly black, or with text
    source.py     the shared recipe spec and background-source logic (pick a source, a window)

The background types themselves (`video`, `frames`, `stills`, `auto`) live in
`datagen/backgrounds/`.
"""
