-- A capped conversation counts every part Intercom reports, not only the 500 it returned, and
-- takes its first events from Intercom's statistics.
select conversation_id, count_total_parts, parts_returned_count, metrics_source
from {{ ref('intercom__conversation_metrics') }}
where count_total_parts < parts_returned_count
   or (is_parts_capped and (count_total_parts <= parts_returned_count or metrics_source <> 'statistics'))
