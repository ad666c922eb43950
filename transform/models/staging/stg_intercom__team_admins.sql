-- Team membership, one row per team and admin, from the teams' admin_ids.
select distinct
    teams.id as team_id,
    admin_id::text as admin_id
from {{ source('intercom', 'teams') }} as teams
cross join lateral unnest(teams.admin_ids) as admin_id
where teams._sdc_deleted_at is null
