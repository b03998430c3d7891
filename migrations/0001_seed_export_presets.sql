-- Seed the platform render presets (read-only through the API; no free-form FFmpeg flags).
INSERT INTO `export_presets` (`id`, `name`, `display_name`, `width`, `height`, `fps`, `crf`, `video_bitrate`, `audio_bitrate`, `video_profile`, `video_level`, `audio_sample_rate`, `loudness_target`, `is_default`, `sort_order`) VALUES
  ('pst_instagram_reels', 'instagram_reels', 'Instagram Reels', 1080, 1920, 30, 20, '8M', '192k', 'high', '4.1', 48000, -14, 1, 0),
  ('pst_tiktok', 'tiktok', 'TikTok', 1080, 1920, 30, 20, '8M', '192k', 'high', '4.1', 48000, -14, 0, 1),
  ('pst_youtube_shorts', 'youtube_shorts', 'YouTube Shorts', 1080, 1920, 30, 18, '10M', '192k', 'high', '4.1', 48000, -14, 0, 2),
  ('pst_generic_16_9', 'generic_16_9', 'Generic 16:9 (1080p)', 1920, 1080, 30, 20, '10M', '192k', 'high', '4.1', 48000, -14, 0, 3);
