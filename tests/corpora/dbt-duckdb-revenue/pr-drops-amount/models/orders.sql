select id, customer_id, status, ordered_at
from {{ ref('raw_orders') }}
