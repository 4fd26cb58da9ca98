/// Slice module `Demo`.
#[allow(
    clippy::all,
    clippy::pedantic,
    dead_code,
    unused_imports,
    unused_variables,
    unused_mut,
    unused_parens,
    non_camel_case_types,
    missing_docs
)]
pub mod demo {
    /// Slice constant `maxItems`.
    pub const MAX_ITEMS: i32 = 10i32;
    /// Slice constant `greeting`.
    pub const GREETING: &str = "hello \"world\"";
    /// Slice constant `ratio`.
    pub const RATIO: f64 = 0.5f64;
    /// Slice enum `::Demo::Color`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
    #[repr(i32)]
    pub enum Color {
        /// `red`
        #[default]
        Red = 0,
        /// `green`
        Green = 5,
        /// `blue`
        Blue = 6,
    }
    impl ::ice_driver::ice_proto::encoding::IceEnum for Color {
        const MAX_VALUE: i32 = 6;
        fn value(&self) -> i32 {
            *self as i32
        }
        fn from_value(v: i32) -> Option<Self> {
            match v {
                0 => Some(Self::Red),
                5 => Some(Self::Green),
                6 => Some(Self::Blue),
                _ => None,
            }
        }
    }
    ::ice_driver::ice_proto::ice_enum!(Color);
    /// Slice constant `favorite`.
    pub const FAVORITE: super::demo::Color = super::demo::Color::Green;
    /// Slice struct `::Demo::Point`.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Point {
        /// `x`
        pub x: i32,
        /// `y`
        pub y: i32,
    }
    impl ::core::default::Default for Point {
        fn default() -> Self {
            Self {
                x: 1i32,
                y: ::core::default::Default::default(),
            }
        }
    }
    impl ::ice_driver::ice_proto::encoding::Encode for Point {
        const FIXED_SIZE: Option<usize> = Some(8);
        fn encode(&self, out: &mut ::ice_driver::ice_proto::encoding::OutputStream) {
            ::ice_driver::ice_proto::encoding::Encode::encode(&self.x, out);
            ::ice_driver::ice_proto::encoding::Encode::encode(&self.y, out);
        }
    }
    impl ::ice_driver::ice_proto::encoding::Decode for Point {
        const FIXED_SIZE: Option<usize> = Some(8);
        fn decode(
            input: &mut ::ice_driver::ice_proto::encoding::InputStream,
        ) -> Result<Self, ::ice_driver::ice_proto::DecodeError> {
            Ok(Self {
                x: ::ice_driver::ice_proto::encoding::Decode::decode(input)?,
                y: ::ice_driver::ice_proto::encoding::Decode::decode(input)?,
            })
        }
    }
    /// Slice struct `::Demo::Labelled`.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Labelled {
        /// `label`
        pub label: String,
        /// `color`
        pub color: super::demo::Color,
        /// `where`
        pub r#where: super::demo::Point,
        /// `token`
        pub token: super::base::Token,
    }
    impl ::core::default::Default for Labelled {
        fn default() -> Self {
            Self {
                label: "none".to_owned(),
                color: super::demo::Color::Blue,
                r#where: ::core::default::Default::default(),
                token: ::core::default::Default::default(),
            }
        }
    }
    impl ::ice_driver::ice_proto::encoding::Encode for Labelled {
        const FIXED_SIZE: Option<usize> = None;
        fn encode(&self, out: &mut ::ice_driver::ice_proto::encoding::OutputStream) {
            ::ice_driver::ice_proto::encoding::Encode::encode(&self.label, out);
            ::ice_driver::ice_proto::encoding::Encode::encode(&self.color, out);
            ::ice_driver::ice_proto::encoding::Encode::encode(&self.r#where, out);
            ::ice_driver::ice_proto::encoding::Encode::encode(&self.token, out);
        }
    }
    impl ::ice_driver::ice_proto::encoding::Decode for Labelled {
        const FIXED_SIZE: Option<usize> = None;
        fn decode(
            input: &mut ::ice_driver::ice_proto::encoding::InputStream,
        ) -> Result<Self, ::ice_driver::ice_proto::DecodeError> {
            Ok(Self {
                label: ::ice_driver::ice_proto::encoding::Decode::decode(input)?,
                color: ::ice_driver::ice_proto::encoding::Decode::decode(input)?,
                r#where: ::ice_driver::ice_proto::encoding::Decode::decode(input)?,
                token: ::ice_driver::ice_proto::encoding::Decode::decode(input)?,
            })
        }
    }
    /// Slice sequence `PointSeq`.
    pub type PointSeq = Vec<super::demo::Point>;
    /// Slice sequence `Blob`.
    pub type Blob = ::ice_driver::ice_proto::bytes::Bytes;
    /// Slice dictionary `PointsByName`.
    pub type PointsByName = ::std::collections::BTreeMap<String, super::demo::PointSeq>;
    /// Slice exception `::Demo::Failure`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Failure {
        /// `reason`
        pub reason: String,
        /// `code`
        pub code: i32,
        /// `hint`
        pub hint: Option<String>,
    }
    impl ::core::default::Default for Failure {
        fn default() -> Self {
            Self {
                reason: ::core::default::Default::default(),
                code: ::core::default::Default::default(),
                hint: ::core::default::Default::default(),
            }
        }
    }
    impl ::ice_driver::ice_proto::value::UserException for Failure {
        fn slices(&self) -> &'static [::ice_driver::ice_proto::value::SliceType] {
            const SLICES: &[::ice_driver::ice_proto::value::SliceType] = &[
                ::ice_driver::ice_proto::value::SliceType::new("::Demo::Failure")
                    .with_optional_members(),
                ::ice_driver::ice_proto::value::SliceType::new("::Base::BaseError"),
            ];
            SLICES
        }
        fn write_members(
            &self,
            slice: usize,
            w: &mut ::ice_driver::ice_proto::value::ValueWriter<'_>,
        ) {
            match slice {
                0 => {
                    ::ice_driver::ice_proto::encoding::Encode::encode(
                        &self.code,
                        w.stream(),
                    );
                    w.stream().write_optional(2, &self.hint);
                }
                1 => {
                    ::ice_driver::ice_proto::encoding::Encode::encode(
                        &self.reason,
                        w.stream(),
                    );
                }
                _ => {}
            }
        }
        fn read_members(
            &mut self,
            slice: usize,
            r: &mut ::ice_driver::ice_proto::value::ValueReader<'_>,
        ) -> Result<(), ::ice_driver::ice_proto::DecodeError> {
            match slice {
                0 => {
                    self.code = ::ice_driver::ice_proto::encoding::Decode::decode(
                        r.stream(),
                    )?;
                    self.hint = r.read_optional(2)?;
                }
                1 => {
                    self.reason = ::ice_driver::ice_proto::encoding::Decode::decode(
                        r.stream(),
                    )?;
                }
                _ => {}
            }
            Ok(())
        }
        fn uses_classes(&self) -> bool {
            false
        }
    }
    impl ::core::fmt::Display for Failure {
        fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
            f.write_str("::Demo::Failure")
        }
    }
    impl ::std::error::Error for Failure {}
    /// Slice class `::Demo::Shape`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Shape {
        /// `color`
        pub color: super::demo::Color,
    }
    impl ::core::default::Default for Shape {
        fn default() -> Self {
            Self {
                color: ::core::default::Default::default(),
            }
        }
    }
    impl ::ice_driver::ice_proto::value::Value for Shape {
        fn slices(&self) -> &'static [::ice_driver::ice_proto::value::SliceType] {
            const SLICES: &[::ice_driver::ice_proto::value::SliceType] = &[
                ::ice_driver::ice_proto::value::SliceType::new("::Demo::Shape"),
            ];
            SLICES
        }
        fn write_members(
            &self,
            slice: usize,
            w: &mut ::ice_driver::ice_proto::value::ValueWriter<'_>,
        ) {
            match slice {
                0 => {
                    ::ice_driver::ice_proto::encoding::Encode::encode(
                        &self.color,
                        w.stream(),
                    );
                }
                _ => {}
            }
        }
        fn read_members(
            &mut self,
            slice: usize,
            r: &mut ::ice_driver::ice_proto::value::ValueReader<'_>,
        ) -> Result<(), ::ice_driver::ice_proto::DecodeError> {
            match slice {
                0 => {
                    self.color = ::ice_driver::ice_proto::encoding::Decode::decode(
                        r.stream(),
                    )?;
                }
                _ => {}
            }
            Ok(())
        }
    }
    /// Slice class `::Demo::Circle`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Circle {
        /// `color`
        pub color: super::demo::Color,
        /// `radius`
        pub radius: f64,
        /// `next`
        pub next: Option<::ice_driver::ice_proto::value::ValueRef>,
        /// `tag`
        pub tag: Option<i32>,
    }
    impl ::core::default::Default for Circle {
        fn default() -> Self {
            Self {
                color: ::core::default::Default::default(),
                radius: ::core::default::Default::default(),
                next: ::core::default::Default::default(),
                tag: ::core::default::Default::default(),
            }
        }
    }
    impl ::ice_driver::ice_proto::value::Value for Circle {
        fn slices(&self) -> &'static [::ice_driver::ice_proto::value::SliceType] {
            const SLICES: &[::ice_driver::ice_proto::value::SliceType] = &[
                ::ice_driver::ice_proto::value::SliceType::new("::Demo::Circle")
                    .with_compact_id(7)
                    .with_optional_members(),
                ::ice_driver::ice_proto::value::SliceType::new("::Demo::Shape"),
            ];
            SLICES
        }
        fn write_members(
            &self,
            slice: usize,
            w: &mut ::ice_driver::ice_proto::value::ValueWriter<'_>,
        ) {
            match slice {
                0 => {
                    ::ice_driver::ice_proto::encoding::Encode::encode(
                        &self.radius,
                        w.stream(),
                    );
                    w.write_value(self.next);
                    w.stream().write_optional(1, &self.tag);
                }
                1 => {
                    ::ice_driver::ice_proto::encoding::Encode::encode(
                        &self.color,
                        w.stream(),
                    );
                }
                _ => {}
            }
        }
        fn read_members(
            &mut self,
            slice: usize,
            r: &mut ::ice_driver::ice_proto::value::ValueReader<'_>,
        ) -> Result<(), ::ice_driver::ice_proto::DecodeError> {
            match slice {
                0 => {
                    self.radius = ::ice_driver::ice_proto::encoding::Decode::decode(
                        r.stream(),
                    )?;
                    self.next = r.read_value()?;
                    self.tag = r.read_optional(1)?;
                }
                1 => {
                    self.color = ::ice_driver::ice_proto::encoding::Decode::decode(
                        r.stream(),
                    )?;
                }
                _ => {}
            }
            Ok(())
        }
    }
    /// Slice sequence `ShapeSeq`.
    pub type ShapeSeq = Vec<Option<::ice_driver::ice_proto::value::ValueRef>>;
    /// The failures of `::Demo::Drawing::add`: its user exceptions, or an Ice error.
    #[derive(Debug, Clone)]
    pub enum DrawingAddError {
        /// `::Demo::Failure`
        Failure(super::demo::Failure),
        /// Any other failure.
        Ice(::ice_driver::Error),
    }
    impl ::core::fmt::Display for DrawingAddError {
        fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
            match self {
                Self::Failure(e) => ::core::fmt::Display::fmt(e, f),
                Self::Ice(e) => ::core::fmt::Display::fmt(e, f),
            }
        }
    }
    impl ::std::error::Error for DrawingAddError {}
    impl ::core::convert::From<::ice_driver::Error> for DrawingAddError {
        fn from(error: ::ice_driver::Error) -> Self {
            if let ::ice_driver::Error::UserException(_) = &error {
                let registry = ::ice_driver::ice_proto::value::ExceptionRegistry::new()
                    .with::<super::demo::Failure>();
                if let Some(
                    Ok(::ice_driver::ice_proto::value::DecodedException::Known(k)),
                ) = error.decode_user_exception(&registry)
                {
                    if let Some(e) = k.exception.downcast_ref::<super::demo::Failure>() {
                        return Self::Failure(e.clone());
                    }
                }
            }
            Self::Ice(error)
        }
    }
    impl ::core::convert::From<::ice_driver::ice_proto::DecodeError>
    for DrawingAddError {
        fn from(e: ::ice_driver::ice_proto::DecodeError) -> Self {
            Self::Ice(e.into())
        }
    }
    /// A proxy of Slice interface `::Demo::Drawing`.
    #[derive(Debug, Clone)]
    pub struct DrawingPrx(pub ::ice_driver::Proxy);
    impl DrawingPrx {
        /// The Slice type id.
        pub const TYPE_ID: &'static str = "::Demo::Drawing";
        /// `proxy` as this type, unchecked.
        pub fn unchecked_cast(proxy: ::ice_driver::Proxy) -> Self {
            Self(proxy)
        }
        /// `proxy` as this type if its object implements it (`ice_isA`), else `None`.
        pub async fn checked_cast(
            proxy: &::ice_driver::Proxy,
        ) -> ::ice_driver::Result<Option<Self>> {
            Ok(proxy.checked_cast(Self::TYPE_ID).await?.map(Self))
        }
        /// The untyped proxy.
        pub fn proxy(&self) -> &::ice_driver::Proxy {
            &self.0
        }
        /// `name`.
        pub async fn name(&self) -> Result<String, ::ice_driver::Error> {
            self.name_with_context(&::ice_driver::Context::new()).await
        }
        /// `name` with a request context.
        pub async fn name_with_context(
            &self,
            context: &::ice_driver::Context,
        ) -> Result<String, ::ice_driver::Error> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {},
            );
            let reply = self
                .0
                .invoke_with_context(
                    "name",
                    ::ice_driver::OperationMode::Normal,
                    params,
                    context,
                )
                .await?;
            let mut input = reply.reader()?;
            let ret: String = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            reply.finish(&mut input)?;
            Ok(ret)
        }
        /// `count`.
        pub async fn count(&self) -> Result<i32, ::ice_driver::Error> {
            self.count_with_context(&::ice_driver::Context::new()).await
        }
        /// `count` with a request context.
        pub async fn count_with_context(
            &self,
            context: &::ice_driver::Context,
        ) -> Result<i32, ::ice_driver::Error> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {},
            );
            let reply = self
                .0
                .invoke_with_context(
                    "count",
                    ::ice_driver::OperationMode::Idempotent,
                    params,
                    context,
                )
                .await?;
            let mut input = reply.reader()?;
            let ret: i32 = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            reply.finish(&mut input)?;
            Ok(ret)
        }
        /// `center`.
        pub async fn center(&self) -> Result<super::demo::Point, ::ice_driver::Error> {
            self.center_with_context(&::ice_driver::Context::new()).await
        }
        /// `center` with a request context.
        pub async fn center_with_context(
            &self,
            context: &::ice_driver::Context,
        ) -> Result<super::demo::Point, ::ice_driver::Error> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {},
            );
            let reply = self
                .0
                .invoke_with_context(
                    "center",
                    ::ice_driver::OperationMode::Nonmutating,
                    params,
                    context,
                )
                .await?;
            let mut input = reply.reader()?;
            let ret: super::demo::Point = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            reply.finish(&mut input)?;
            Ok(ret)
        }
        /// `add`.
        pub async fn add(
            &self,
            p: &super::demo::Point,
            label: Option<&str>,
        ) -> Result<(), DrawingAddError> {
            self.add_with_context(p, label, &::ice_driver::Context::new()).await
        }
        /// `add` with a request context.
        pub async fn add_with_context(
            &self,
            p: &super::demo::Point,
            label: Option<&str>,
            context: &::ice_driver::Context,
        ) -> Result<(), DrawingAddError> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {
                    ::ice_driver::ice_proto::encoding::Encode::encode(&p, out);
                    out.write_optional(3, &label);
                },
            );
            let reply = self
                .0
                .invoke_with_context(
                    "add",
                    ::ice_driver::OperationMode::Normal,
                    params,
                    context,
                )
                .await?;
            let mut input = reply.reader()?;
            reply.finish(&mut input)?;
            Ok(())
        }
        /// `move`.
        pub async fn r#move(
            &self,
            from: &super::demo::Point,
        ) -> Result<
            (Option<super::demo::DrawingPrx>, super::demo::Point, super::demo::Color),
            ::ice_driver::Error,
        > {
            self.r#move_with_context(from, &::ice_driver::Context::new()).await
        }
        /// `move` with a request context.
        pub async fn r#move_with_context(
            &self,
            from: &super::demo::Point,
            context: &::ice_driver::Context,
        ) -> Result<
            (Option<super::demo::DrawingPrx>, super::demo::Point, super::demo::Color),
            ::ice_driver::Error,
        > {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {
                    ::ice_driver::ice_proto::encoding::Encode::encode(&from, out);
                },
            );
            let reply = self
                .0
                .invoke_with_context(
                    "move",
                    ::ice_driver::OperationMode::Normal,
                    params,
                    context,
                )
                .await?;
            let communicator = self.0.communicator();
            let mut input = reply.reader()?;
            let to: super::demo::Point = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            let color: super::demo::Color = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            let ret: Option<::ice_driver::ice_proto::ProxyData> = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            let ret = ret
                .map(|d| super::demo::DrawingPrx(communicator.proxy_from_data(d)));
            reply.finish(&mut input)?;
            Ok((ret, to, color))
        }
        /// `canvas`.
        pub async fn canvas(
            &self,
        ) -> Result<Option<super::demo::CanvasPrx>, ::ice_driver::Error> {
            self.canvas_with_context(&::ice_driver::Context::new()).await
        }
        /// `canvas` with a request context.
        pub async fn canvas_with_context(
            &self,
            context: &::ice_driver::Context,
        ) -> Result<Option<super::demo::CanvasPrx>, ::ice_driver::Error> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {},
            );
            let reply = self
                .0
                .invoke_with_context(
                    "canvas",
                    ::ice_driver::OperationMode::Normal,
                    params,
                    context,
                )
                .await?;
            let communicator = self.0.communicator();
            let mut input = reply.reader()?;
            let ret: Option<::ice_driver::ice_proto::ProxyData> = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            let ret = ret
                .map(|d| super::demo::CanvasPrx(communicator.proxy_from_data(d)));
            reply.finish(&mut input)?;
            Ok(ret)
        }
        /// `paint`, with its parameters encoded (they hold class instances).
        pub async fn paint(
            &self,
            params: ::ice_driver::Encapsulation,
        ) -> ::ice_driver::Result<::ice_driver::Encapsulation> {
            self.0.invoke("paint", ::ice_driver::OperationMode::Normal, params).await
        }
        /// `shapes`, with its parameters encoded (they hold class instances).
        pub async fn shapes(
            &self,
            params: ::ice_driver::Encapsulation,
        ) -> ::ice_driver::Result<::ice_driver::Encapsulation> {
            self.0.invoke("shapes", ::ice_driver::OperationMode::Normal, params).await
        }
    }
    impl ::core::convert::From<DrawingPrx> for ::ice_driver::Proxy {
        fn from(p: DrawingPrx) -> Self {
            p.0
        }
    }
    /// The servant side of Slice interface `::Demo::Drawing`: implement it, then serve it with [`DrawingServant`].
    pub trait Drawing: super::base::Named + Send + Sync + 'static {
        /// `count`.
        fn count(
            &self,
            current: &::ice_driver::Current,
        ) -> impl ::core::future::Future<
            Output = Result<i32, ::ice_driver::DispatchError>,
        > + Send;
        /// `center`.
        fn center(
            &self,
            current: &::ice_driver::Current,
        ) -> impl ::core::future::Future<
            Output = Result<super::demo::Point, ::ice_driver::DispatchError>,
        > + Send;
        /// `add`.
        fn add(
            &self,
            p: super::demo::Point,
            label: Option<String>,
            current: &::ice_driver::Current,
        ) -> impl ::core::future::Future<
            Output = Result<(), ::ice_driver::DispatchError>,
        > + Send;
        /// `move`.
        fn r#move(
            &self,
            from: super::demo::Point,
            current: &::ice_driver::Current,
        ) -> impl ::core::future::Future<
            Output = Result<
                (
                    Option<super::demo::DrawingPrx>,
                    super::demo::Point,
                    super::demo::Color,
                ),
                ::ice_driver::DispatchError,
            >,
        > + Send;
        /// `canvas`.
        fn canvas(
            &self,
            current: &::ice_driver::Current,
        ) -> impl ::core::future::Future<
            Output = Result<Option<super::demo::CanvasPrx>, ::ice_driver::DispatchError>,
        > + Send;
        /// `paint` (its parameters hold class instances: given and returned encoded).
        fn paint(
            &self,
            params: ::ice_driver::Encapsulation,
            current: &::ice_driver::Current,
        ) -> impl ::core::future::Future<
            Output = Result<::ice_driver::Encapsulation, ::ice_driver::DispatchError>,
        > + Send;
        /// `shapes` (its parameters hold class instances: given and returned encoded).
        fn shapes(
            &self,
            params: ::ice_driver::Encapsulation,
            current: &::ice_driver::Current,
        ) -> impl ::core::future::Future<
            Output = Result<::ice_driver::Encapsulation, ::ice_driver::DispatchError>,
        > + Send;
    }
    /// Serves an implementation of [`Drawing`] (add it to an object adapter).
    pub struct DrawingServant<T>(pub T);
    impl<T: Drawing> DrawingServant<T> {
        /// `implementation`, ready for `ObjectAdapter::add`.
        pub fn new(implementation: T) -> ::std::sync::Arc<Self> {
            ::std::sync::Arc::new(Self(implementation))
        }
    }
    impl<T: Drawing> ::ice_driver::Servant for DrawingServant<T> {
        fn ice_id(&self) -> &str {
            "::Demo::Drawing"
        }
        fn ice_ids(&self) -> Vec<String> {
            vec![
                "::Base::Named".to_owned(), "::Demo::Drawing".to_owned(), "::Ice::Object"
                .to_owned()
            ]
        }
        fn dispatch<'a>(
            &'a self,
            current: &'a ::ice_driver::Current,
            params: ::ice_driver::Encapsulation,
        ) -> ::ice_driver::BoxFuture<'a, ::ice_driver::DispatchResult> {
            Box::pin(async move {
                match current.operation.as_str() {
                    "name" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for name: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        params.finish(&mut input)?;
                        let ret = <T as super::base::Named>::name(&self.0, current)
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &ret,
                                        out,
                                    );
                                },
                            ),
                        )
                    }
                    "count" => {
                        if current.mode == ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    "operation mode mismatch for count: expected idempotent, received normal"
                                        .into(),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        params.finish(&mut input)?;
                        let ret = <T as super::demo::Drawing>::count(&self.0, current)
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &ret,
                                        out,
                                    );
                                },
                            ),
                        )
                    }
                    "center" => {
                        if current.mode == ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    "operation mode mismatch for center: expected idempotent, received normal"
                                        .into(),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        params.finish(&mut input)?;
                        let ret = <T as super::demo::Drawing>::center(&self.0, current)
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &ret,
                                        out,
                                    );
                                },
                            ),
                        )
                    }
                    "add" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for add: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        let p: super::demo::Point = ::ice_driver::ice_proto::encoding::Decode::decode(
                            &mut input,
                        )?;
                        let label: Option<String> = input.read_optional(3)?;
                        params.finish(&mut input)?;
                        let () = <T as super::demo::Drawing>::add(
                                &self.0,
                                p,
                                label,
                                current,
                            )
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {},
                            ),
                        )
                    }
                    "move" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for move: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        let from: super::demo::Point = ::ice_driver::ice_proto::encoding::Decode::decode(
                            &mut input,
                        )?;
                        params.finish(&mut input)?;
                        let (ret, to, color) = <T as super::demo::Drawing>::r#move(
                                &self.0,
                                from,
                                current,
                            )
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {
                                    ::ice_driver::ice_proto::encoding::Encode::encode(&to, out);
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &color,
                                        out,
                                    );
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &ret.as_ref().map(|p| p.0.data().clone()),
                                        out,
                                    );
                                },
                            ),
                        )
                    }
                    "canvas" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for canvas: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        params.finish(&mut input)?;
                        let ret = <T as super::demo::Drawing>::canvas(&self.0, current)
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &ret.as_ref().map(|p| p.0.data().clone()),
                                        out,
                                    );
                                },
                            ),
                        )
                    }
                    "paint" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for paint: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        <T as super::demo::Drawing>::paint(&self.0, params, current)
                            .await
                    }
                    "shapes" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for shapes: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        <T as super::demo::Drawing>::shapes(&self.0, params, current)
                            .await
                    }
                    _ => Err(::ice_driver::DispatchError::OperationNotExist),
                }
            })
        }
    }
    /// A proxy of Slice interface `::Demo::Canvas`.
    #[derive(Debug, Clone)]
    pub struct CanvasPrx(pub ::ice_driver::Proxy);
    impl CanvasPrx {
        /// The Slice type id.
        pub const TYPE_ID: &'static str = "::Demo::Canvas";
        /// `proxy` as this type, unchecked.
        pub fn unchecked_cast(proxy: ::ice_driver::Proxy) -> Self {
            Self(proxy)
        }
        /// `proxy` as this type if its object implements it (`ice_isA`), else `None`.
        pub async fn checked_cast(
            proxy: &::ice_driver::Proxy,
        ) -> ::ice_driver::Result<Option<Self>> {
            Ok(proxy.checked_cast(Self::TYPE_ID).await?.map(Self))
        }
        /// The untyped proxy.
        pub fn proxy(&self) -> &::ice_driver::Proxy {
            &self.0
        }
        /// `name`.
        pub async fn name(&self) -> Result<String, ::ice_driver::Error> {
            self.name_with_context(&::ice_driver::Context::new()).await
        }
        /// `name` with a request context.
        pub async fn name_with_context(
            &self,
            context: &::ice_driver::Context,
        ) -> Result<String, ::ice_driver::Error> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {},
            );
            let reply = self
                .0
                .invoke_with_context(
                    "name",
                    ::ice_driver::OperationMode::Normal,
                    params,
                    context,
                )
                .await?;
            let mut input = reply.reader()?;
            let ret: String = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            reply.finish(&mut input)?;
            Ok(ret)
        }
        /// `count`.
        pub async fn count(&self) -> Result<i32, ::ice_driver::Error> {
            self.count_with_context(&::ice_driver::Context::new()).await
        }
        /// `count` with a request context.
        pub async fn count_with_context(
            &self,
            context: &::ice_driver::Context,
        ) -> Result<i32, ::ice_driver::Error> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {},
            );
            let reply = self
                .0
                .invoke_with_context(
                    "count",
                    ::ice_driver::OperationMode::Idempotent,
                    params,
                    context,
                )
                .await?;
            let mut input = reply.reader()?;
            let ret: i32 = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            reply.finish(&mut input)?;
            Ok(ret)
        }
        /// `center`.
        pub async fn center(&self) -> Result<super::demo::Point, ::ice_driver::Error> {
            self.center_with_context(&::ice_driver::Context::new()).await
        }
        /// `center` with a request context.
        pub async fn center_with_context(
            &self,
            context: &::ice_driver::Context,
        ) -> Result<super::demo::Point, ::ice_driver::Error> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {},
            );
            let reply = self
                .0
                .invoke_with_context(
                    "center",
                    ::ice_driver::OperationMode::Nonmutating,
                    params,
                    context,
                )
                .await?;
            let mut input = reply.reader()?;
            let ret: super::demo::Point = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            reply.finish(&mut input)?;
            Ok(ret)
        }
        /// `add`.
        pub async fn add(
            &self,
            p: &super::demo::Point,
            label: Option<&str>,
        ) -> Result<(), DrawingAddError> {
            self.add_with_context(p, label, &::ice_driver::Context::new()).await
        }
        /// `add` with a request context.
        pub async fn add_with_context(
            &self,
            p: &super::demo::Point,
            label: Option<&str>,
            context: &::ice_driver::Context,
        ) -> Result<(), DrawingAddError> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {
                    ::ice_driver::ice_proto::encoding::Encode::encode(&p, out);
                    out.write_optional(3, &label);
                },
            );
            let reply = self
                .0
                .invoke_with_context(
                    "add",
                    ::ice_driver::OperationMode::Normal,
                    params,
                    context,
                )
                .await?;
            let mut input = reply.reader()?;
            reply.finish(&mut input)?;
            Ok(())
        }
        /// `move`.
        pub async fn r#move(
            &self,
            from: &super::demo::Point,
        ) -> Result<
            (Option<super::demo::DrawingPrx>, super::demo::Point, super::demo::Color),
            ::ice_driver::Error,
        > {
            self.r#move_with_context(from, &::ice_driver::Context::new()).await
        }
        /// `move` with a request context.
        pub async fn r#move_with_context(
            &self,
            from: &super::demo::Point,
            context: &::ice_driver::Context,
        ) -> Result<
            (Option<super::demo::DrawingPrx>, super::demo::Point, super::demo::Color),
            ::ice_driver::Error,
        > {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {
                    ::ice_driver::ice_proto::encoding::Encode::encode(&from, out);
                },
            );
            let reply = self
                .0
                .invoke_with_context(
                    "move",
                    ::ice_driver::OperationMode::Normal,
                    params,
                    context,
                )
                .await?;
            let communicator = self.0.communicator();
            let mut input = reply.reader()?;
            let to: super::demo::Point = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            let color: super::demo::Color = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            let ret: Option<::ice_driver::ice_proto::ProxyData> = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            let ret = ret
                .map(|d| super::demo::DrawingPrx(communicator.proxy_from_data(d)));
            reply.finish(&mut input)?;
            Ok((ret, to, color))
        }
        /// `canvas`.
        pub async fn canvas(
            &self,
        ) -> Result<Option<super::demo::CanvasPrx>, ::ice_driver::Error> {
            self.canvas_with_context(&::ice_driver::Context::new()).await
        }
        /// `canvas` with a request context.
        pub async fn canvas_with_context(
            &self,
            context: &::ice_driver::Context,
        ) -> Result<Option<super::demo::CanvasPrx>, ::ice_driver::Error> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {},
            );
            let reply = self
                .0
                .invoke_with_context(
                    "canvas",
                    ::ice_driver::OperationMode::Normal,
                    params,
                    context,
                )
                .await?;
            let communicator = self.0.communicator();
            let mut input = reply.reader()?;
            let ret: Option<::ice_driver::ice_proto::ProxyData> = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            let ret = ret
                .map(|d| super::demo::CanvasPrx(communicator.proxy_from_data(d)));
            reply.finish(&mut input)?;
            Ok(ret)
        }
        /// `paint`, with its parameters encoded (they hold class instances).
        pub async fn paint(
            &self,
            params: ::ice_driver::Encapsulation,
        ) -> ::ice_driver::Result<::ice_driver::Encapsulation> {
            self.0.invoke("paint", ::ice_driver::OperationMode::Normal, params).await
        }
        /// `shapes`, with its parameters encoded (they hold class instances).
        pub async fn shapes(
            &self,
            params: ::ice_driver::Encapsulation,
        ) -> ::ice_driver::Result<::ice_driver::Encapsulation> {
            self.0.invoke("shapes", ::ice_driver::OperationMode::Normal, params).await
        }
        /// `clear`.
        pub async fn clear(&self) -> Result<(), ::ice_driver::Error> {
            self.clear_with_context(&::ice_driver::Context::new()).await
        }
        /// `clear` with a request context.
        pub async fn clear_with_context(
            &self,
            context: &::ice_driver::Context,
        ) -> Result<(), ::ice_driver::Error> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {},
            );
            let reply = self
                .0
                .invoke_with_context(
                    "clear",
                    ::ice_driver::OperationMode::Normal,
                    params,
                    context,
                )
                .await?;
            let mut input = reply.reader()?;
            reply.finish(&mut input)?;
            Ok(())
        }
    }
    impl ::core::convert::From<CanvasPrx> for ::ice_driver::Proxy {
        fn from(p: CanvasPrx) -> Self {
            p.0
        }
    }
    /// The servant side of Slice interface `::Demo::Canvas`: implement it, then serve it with [`CanvasServant`].
    pub trait Canvas: super::base::Named + super::demo::Drawing + Send + Sync + 'static {
        /// `clear`.
        fn clear(
            &self,
            current: &::ice_driver::Current,
        ) -> impl ::core::future::Future<
            Output = Result<(), ::ice_driver::DispatchError>,
        > + Send;
    }
    /// Serves an implementation of [`Canvas`] (add it to an object adapter).
    pub struct CanvasServant<T>(pub T);
    impl<T: Canvas> CanvasServant<T> {
        /// `implementation`, ready for `ObjectAdapter::add`.
        pub fn new(implementation: T) -> ::std::sync::Arc<Self> {
            ::std::sync::Arc::new(Self(implementation))
        }
    }
    impl<T: Canvas> ::ice_driver::Servant for CanvasServant<T> {
        fn ice_id(&self) -> &str {
            "::Demo::Canvas"
        }
        fn ice_ids(&self) -> Vec<String> {
            vec![
                "::Base::Named".to_owned(), "::Demo::Canvas".to_owned(),
                "::Demo::Drawing".to_owned(), "::Ice::Object".to_owned()
            ]
        }
        fn dispatch<'a>(
            &'a self,
            current: &'a ::ice_driver::Current,
            params: ::ice_driver::Encapsulation,
        ) -> ::ice_driver::BoxFuture<'a, ::ice_driver::DispatchResult> {
            Box::pin(async move {
                match current.operation.as_str() {
                    "name" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for name: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        params.finish(&mut input)?;
                        let ret = <T as super::base::Named>::name(&self.0, current)
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &ret,
                                        out,
                                    );
                                },
                            ),
                        )
                    }
                    "count" => {
                        if current.mode == ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    "operation mode mismatch for count: expected idempotent, received normal"
                                        .into(),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        params.finish(&mut input)?;
                        let ret = <T as super::demo::Drawing>::count(&self.0, current)
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &ret,
                                        out,
                                    );
                                },
                            ),
                        )
                    }
                    "center" => {
                        if current.mode == ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    "operation mode mismatch for center: expected idempotent, received normal"
                                        .into(),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        params.finish(&mut input)?;
                        let ret = <T as super::demo::Drawing>::center(&self.0, current)
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &ret,
                                        out,
                                    );
                                },
                            ),
                        )
                    }
                    "add" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for add: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        let p: super::demo::Point = ::ice_driver::ice_proto::encoding::Decode::decode(
                            &mut input,
                        )?;
                        let label: Option<String> = input.read_optional(3)?;
                        params.finish(&mut input)?;
                        let () = <T as super::demo::Drawing>::add(
                                &self.0,
                                p,
                                label,
                                current,
                            )
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {},
                            ),
                        )
                    }
                    "move" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for move: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        let from: super::demo::Point = ::ice_driver::ice_proto::encoding::Decode::decode(
                            &mut input,
                        )?;
                        params.finish(&mut input)?;
                        let (ret, to, color) = <T as super::demo::Drawing>::r#move(
                                &self.0,
                                from,
                                current,
                            )
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {
                                    ::ice_driver::ice_proto::encoding::Encode::encode(&to, out);
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &color,
                                        out,
                                    );
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &ret.as_ref().map(|p| p.0.data().clone()),
                                        out,
                                    );
                                },
                            ),
                        )
                    }
                    "canvas" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for canvas: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        params.finish(&mut input)?;
                        let ret = <T as super::demo::Drawing>::canvas(&self.0, current)
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &ret.as_ref().map(|p| p.0.data().clone()),
                                        out,
                                    );
                                },
                            ),
                        )
                    }
                    "paint" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for paint: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        <T as super::demo::Drawing>::paint(&self.0, params, current)
                            .await
                    }
                    "shapes" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for shapes: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        <T as super::demo::Drawing>::shapes(&self.0, params, current)
                            .await
                    }
                    "clear" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for clear: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        params.finish(&mut input)?;
                        let () = <T as super::demo::Canvas>::clear(&self.0, current)
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {},
                            ),
                        )
                    }
                    _ => Err(::ice_driver::DispatchError::OperationNotExist),
                }
            })
        }
    }
}
/// Slice module `Base`.
#[allow(
    clippy::all,
    clippy::pedantic,
    dead_code,
    unused_imports,
    unused_variables,
    unused_mut,
    unused_parens,
    non_camel_case_types,
    missing_docs
)]
pub mod base {
    /// Slice struct `::Base::Token`.
    #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct Token {
        /// `id`
        pub id: i64,
    }
    impl ::core::default::Default for Token {
        fn default() -> Self {
            Self {
                id: ::core::default::Default::default(),
            }
        }
    }
    impl ::ice_driver::ice_proto::encoding::Encode for Token {
        const FIXED_SIZE: Option<usize> = Some(8);
        fn encode(&self, out: &mut ::ice_driver::ice_proto::encoding::OutputStream) {
            ::ice_driver::ice_proto::encoding::Encode::encode(&self.id, out);
        }
    }
    impl ::ice_driver::ice_proto::encoding::Decode for Token {
        const FIXED_SIZE: Option<usize> = Some(8);
        fn decode(
            input: &mut ::ice_driver::ice_proto::encoding::InputStream,
        ) -> Result<Self, ::ice_driver::ice_proto::DecodeError> {
            Ok(Self {
                id: ::ice_driver::ice_proto::encoding::Decode::decode(input)?,
            })
        }
    }
    /// Slice exception `::Base::BaseError`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct BaseError {
        /// `reason`
        pub reason: String,
    }
    impl ::core::default::Default for BaseError {
        fn default() -> Self {
            Self {
                reason: ::core::default::Default::default(),
            }
        }
    }
    impl ::ice_driver::ice_proto::value::UserException for BaseError {
        fn slices(&self) -> &'static [::ice_driver::ice_proto::value::SliceType] {
            const SLICES: &[::ice_driver::ice_proto::value::SliceType] = &[
                ::ice_driver::ice_proto::value::SliceType::new("::Base::BaseError"),
            ];
            SLICES
        }
        fn write_members(
            &self,
            slice: usize,
            w: &mut ::ice_driver::ice_proto::value::ValueWriter<'_>,
        ) {
            match slice {
                0 => {
                    ::ice_driver::ice_proto::encoding::Encode::encode(
                        &self.reason,
                        w.stream(),
                    );
                }
                _ => {}
            }
        }
        fn read_members(
            &mut self,
            slice: usize,
            r: &mut ::ice_driver::ice_proto::value::ValueReader<'_>,
        ) -> Result<(), ::ice_driver::ice_proto::DecodeError> {
            match slice {
                0 => {
                    self.reason = ::ice_driver::ice_proto::encoding::Decode::decode(
                        r.stream(),
                    )?;
                }
                _ => {}
            }
            Ok(())
        }
        fn uses_classes(&self) -> bool {
            false
        }
    }
    impl ::core::fmt::Display for BaseError {
        fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
            f.write_str("::Base::BaseError")
        }
    }
    impl ::std::error::Error for BaseError {}
    /// A proxy of Slice interface `::Base::Named`.
    #[derive(Debug, Clone)]
    pub struct NamedPrx(pub ::ice_driver::Proxy);
    impl NamedPrx {
        /// The Slice type id.
        pub const TYPE_ID: &'static str = "::Base::Named";
        /// `proxy` as this type, unchecked.
        pub fn unchecked_cast(proxy: ::ice_driver::Proxy) -> Self {
            Self(proxy)
        }
        /// `proxy` as this type if its object implements it (`ice_isA`), else `None`.
        pub async fn checked_cast(
            proxy: &::ice_driver::Proxy,
        ) -> ::ice_driver::Result<Option<Self>> {
            Ok(proxy.checked_cast(Self::TYPE_ID).await?.map(Self))
        }
        /// The untyped proxy.
        pub fn proxy(&self) -> &::ice_driver::Proxy {
            &self.0
        }
        /// `name`.
        pub async fn name(&self) -> Result<String, ::ice_driver::Error> {
            self.name_with_context(&::ice_driver::Context::new()).await
        }
        /// `name` with a request context.
        pub async fn name_with_context(
            &self,
            context: &::ice_driver::Context,
        ) -> Result<String, ::ice_driver::Error> {
            let params = ::ice_driver::Encapsulation::build(
                self.0.ice_get_encoding_version(),
                |out| {},
            );
            let reply = self
                .0
                .invoke_with_context(
                    "name",
                    ::ice_driver::OperationMode::Normal,
                    params,
                    context,
                )
                .await?;
            let mut input = reply.reader()?;
            let ret: String = ::ice_driver::ice_proto::encoding::Decode::decode(
                &mut input,
            )?;
            reply.finish(&mut input)?;
            Ok(ret)
        }
    }
    impl ::core::convert::From<NamedPrx> for ::ice_driver::Proxy {
        fn from(p: NamedPrx) -> Self {
            p.0
        }
    }
    /// The servant side of Slice interface `::Base::Named`: implement it, then serve it with [`NamedServant`].
    pub trait Named: Send + Sync + 'static {
        /// `name`.
        fn name(
            &self,
            current: &::ice_driver::Current,
        ) -> impl ::core::future::Future<
            Output = Result<String, ::ice_driver::DispatchError>,
        > + Send;
    }
    /// Serves an implementation of [`Named`] (add it to an object adapter).
    pub struct NamedServant<T>(pub T);
    impl<T: Named> NamedServant<T> {
        /// `implementation`, ready for `ObjectAdapter::add`.
        pub fn new(implementation: T) -> ::std::sync::Arc<Self> {
            ::std::sync::Arc::new(Self(implementation))
        }
    }
    impl<T: Named> ::ice_driver::Servant for NamedServant<T> {
        fn ice_id(&self) -> &str {
            "::Base::Named"
        }
        fn ice_ids(&self) -> Vec<String> {
            vec!["::Base::Named".to_owned(), "::Ice::Object".to_owned()]
        }
        fn dispatch<'a>(
            &'a self,
            current: &'a ::ice_driver::Current,
            params: ::ice_driver::Encapsulation,
        ) -> ::ice_driver::BoxFuture<'a, ::ice_driver::DispatchResult> {
            Box::pin(async move {
                match current.operation.as_str() {
                    "name" => {
                        if current.mode != ::ice_driver::OperationMode::Normal {
                            return Err(
                                ::ice_driver::DispatchError::UnknownLocal(
                                    format!(
                                        "operation mode mismatch for name: expected normal, received {:?}",
                                        current.mode
                                    ),
                                ),
                            );
                        }
                        let mut input = params.reader()?;
                        params.finish(&mut input)?;
                        let ret = <T as super::base::Named>::name(&self.0, current)
                            .await?;
                        Ok(
                            ::ice_driver::Encapsulation::build(
                                current.encoding,
                                |out| {
                                    ::ice_driver::ice_proto::encoding::Encode::encode(
                                        &ret,
                                        out,
                                    );
                                },
                            ),
                        )
                    }
                    _ => Err(::ice_driver::DispatchError::OperationNotExist),
                }
            })
        }
    }
}
