-- 我的积分 and 排行 sum a member's points over a period: look them up by member first.
CREATE INDEX IF NOT EXISTS points_member_day ON points (member_id, day, amount);
