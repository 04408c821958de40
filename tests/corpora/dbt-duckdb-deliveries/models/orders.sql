select id, driver_id, amount from {{ ref('raw_orders') }}
